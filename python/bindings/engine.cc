// sensorlake._engine: the engine's entry points for the Python package. JSON crosses as
// text (the package parses it), tables cross as an Arrow C stream in a PyCapsule that
// pyarrow imports without copying: this module and pyarrow load the same libarrow.so.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/config.h>
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>
#include <nlohmann/json.hpp>

#include "sensorlake/common/progress.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/transform/task_transform.h"
#include "sensorlake/zones/curated_table.h"

namespace nb = nanobind;

namespace sensorlake::python {
namespace {

// Raised as sensorlake.EngineError, with the Status code's name (.code, e.g. "NotFound")
// and the exit code the CLI gives for it (.exit_code); the message is Status::ToString().
struct EngineError : std::runtime_error {
  explicit EngineError(const Status& st)
      : std::runtime_error(st.ToString()),
        code(StatusCodeName(st.code())),
        exit_code(ExitCodeFor(st.code())) {}
  std::string code;
  int32_t exit_code;
};

void Check(const Status& st) {
  if (!st.ok()) throw EngineError(st);
}

// The Python class of EngineError (created in the module init).
PyObject* engine_error_type = nullptr;

void TranslateEngineError(const std::exception_ptr& p, void* /*payload*/) {
  try {
    std::rethrow_exception(p);
  } catch (const EngineError& e) {
    nb::object error = nb::steal(PyObject_CallFunction(engine_error_type, "s", e.what()));
    if (!error.is_valid()) return;  // the call set a Python error already
    error.attr("code") = e.code;
    error.attr("exit_code") = e.exit_code;
    PyErr_SetObject(engine_error_type, error.ptr());
  }
}

template <typename T>
T Value(Result<T> r) {
  Check(r.status());
  return std::move(*r);
}

std::unique_ptr<storage::Lake> OpenLake(
    const std::string& uri, storage::LakeOpenMode mode = storage::LakeOpenMode::kCreate) {
  return Value(storage::Lake::Open(uri, mode));
}

struct LoadedConfig {
  transform::TransformConfig config;
  std::string origin = "built-in defaults";
};

LoadedConfig LoadConfig(const std::optional<std::string>& path) {
  LoadedConfig c;
  if (path && !path->empty()) {
    c.config = Value(transform::LoadTransformConfig(*path));
    c.origin = *path;
  }
  return c;
}

std::string ListRawFiles(const std::string& lake_uri, const std::string& raw_version) {
  auto lake = OpenLake(lake_uri);
  return Value(transform::ListRawSensorFiles(*lake, raw_version)).dump();
}

std::string TransformFiles(const std::string& lake_uri, const std::string& raw_version,
                           const std::vector<std::string>& paths, const std::string& staging_prefix,
                           const std::string& task_id,
                           const std::optional<std::string>& config_path, int32_t threads) {
  transform::TaskOptions options;
  options.raw_version = raw_version;
  options.paths = paths;
  options.staging_prefix = staging_prefix;
  options.task_id = task_id;
  LoadedConfig c = LoadConfig(config_path);
  options.config = c.config;
  options.config_origin = c.origin;
  options.threads = threads;
  nb::gil_scoped_release release;  // long work that touches no Python object
  auto lake = OpenLake(lake_uri);
  return Value(transform::RunTaskTransform(*lake, options)).dump();
}

std::string CommitTransform(const std::string& lake_uri, const std::string& raw_version,
                            const std::vector<std::string>& manifests,
                            const std::vector<std::string>& staging_prefixes,
                            const std::optional<std::string>& config_path) {
  transform::CommitOptions options;
  options.raw_version = raw_version;
  for (size_t i = 0; i < manifests.size(); ++i) {
    auto j = nlohmann::json::parse(manifests[i], nullptr, false);
    if (j.is_discarded()) Check(Status::Invalid("task manifest {} is not JSON", i));
    options.task_manifests.push_back(std::move(j));
  }
  options.staging_prefixes = staging_prefixes;
  LoadedConfig c = LoadConfig(config_path);
  options.config = c.config;
  options.config_origin = c.origin;
  nb::gil_scoped_release release;
  auto lake = OpenLake(lake_uri);
  return Value(transform::CommitTaskTransforms(*lake, options)).ToJson().dump();
}

std::string ReadText(const std::string& lake_uri, const std::string& path) {
  auto lake = OpenLake(lake_uri);
  return Value(lake->ReadText(path));
}

// The `_runs/*.json` texts; the package parses and orders them.
std::vector<std::string> RunRecordTexts(const std::string& lake_uri) {
  auto lake = OpenLake(lake_uri);
  std::vector<std::string> texts;
  for (const auto& f : Value(lake->ListFiles("_runs", /*recursive=*/false))) {
    if (f.path.ends_with(".json")) texts.push_back(Value(lake->ReadText("_runs/" + f.path)));
  }
  return texts;
}

void ReleaseStream(PyObject* capsule) {
  auto* stream =
      static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(capsule, "arrow_array_stream"));
  if (stream == nullptr) {
    PyErr_Clear();
    return;
  }
  if (stream->release != nullptr) stream->release(stream);  // never imported
  delete stream;
}

// The addresses of the `x` data buffers the engine handed out, in order: what the tests
// compare with the buffers pyarrow sees, to show that nothing was copied on the way.
struct AddressLog {
  std::vector<uintptr_t> addresses;
};

class RecordingReader : public arrow::RecordBatchReader {
 public:
  RecordingReader(std::shared_ptr<arrow::RecordBatchReader> inner, std::shared_ptr<AddressLog> log)
      : inner_(std::move(inner)), log_(std::move(log)) {}
  std::shared_ptr<arrow::Schema> schema() const override { return inner_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    ARROW_RETURN_NOT_OK(inner_->ReadNext(batch));
    if (*batch != nullptr) {
      log_->addresses.push_back((*batch)->GetColumnByName("x")->data()->buffers[1]->address());
    }
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<arrow::RecordBatchReader> inner_;
  std::shared_ptr<AddressLog> log_;
};

nb::object StreamCapsule(std::shared_ptr<arrow::RecordBatchReader> reader) {
  auto stream = std::make_unique<ArrowArrayStream>();
  Check(Status::FromArrow(arrow::ExportRecordBatchReader(std::move(reader), stream.get())));
  PyObject* capsule = PyCapsule_New(stream.get(), "arrow_array_stream", ReleaseStream);
  if (capsule == nullptr) throw nb::python_error();
  (void)stream.release();  // the capsule owns it now: ReleaseStream frees it
  return nb::steal(capsule);
}

std::shared_ptr<arrow::RecordBatchReader> CuratedReader(const std::string& lake_uri,
                                                        const std::string& version,
                                                        std::optional<int32_t> subject,
                                                        const std::string& device,
                                                        const std::string& sensor) {
  zones::CuratedFilter filter{version, subject, device, sensor};
  std::shared_ptr<const storage::Lake> lake = OpenLake(lake_uri);
  return Value(zones::OpenCuratedReader(std::move(lake), filter));
}

// An ArrowArrayStream capsule (the Arrow PyCapsule interface) over the curated reader.
nb::object ReadCurated(const std::string& lake_uri, const std::string& version,
                       std::optional<int32_t> subject, const std::string& device,
                       const std::string& sensor) {
  return StreamCapsule(CuratedReader(lake_uri, version, subject, device, sensor));
}

// The same, and the log of the buffers handed out (filled as the stream is read).
nb::tuple ReadCuratedRecorded(const std::string& lake_uri, const std::string& version,
                              std::optional<int32_t> subject, const std::string& device,
                              const std::string& sensor) {
  auto log = std::make_shared<AddressLog>();
  auto reader = std::make_shared<RecordingReader>(
      CuratedReader(lake_uri, version, subject, device, sensor), log);
  nb::object capsule = StreamCapsule(reader);
  return nb::make_tuple(capsule, nb::cast(std::move(log)));
}

// sensorlake.Lake: the engine's Lake (storage/lake.h) for Python, so that every language
// reads a lake URI by the engine's rules. Paths are lake-relative, as in the engine.
class PyLake {
 public:
  PyLake(const std::string& uri, bool create)
      : lake_(OpenLake(
            uri, create ? storage::LakeOpenMode::kCreate : storage::LakeOpenMode::kExisting)) {}
  const storage::Lake& lake() const { return *lake_; }
  std::string uri() const { return lake_->uri(); }
  bool is_local() const { return lake_->is_local(); }
  std::string DisplayPath(const std::string& rel) const { return lake_->DisplayPath(rel); }

  bool Exists(const std::string& rel) const { return Value(lake_->Exists(rel)); }
  bool IsDir(const std::string& rel) const { return Value(lake_->IsDirectory(rel)); }
  nb::bytes ReadBytes(const std::string& rel) const {
    std::shared_ptr<arrow::Buffer> data;
    {
      nb::gil_scoped_release release;
      data = Value(lake_->ReadAll(rel));
    }
    return nb::bytes(reinterpret_cast<const char*>(data->data()),
                     static_cast<size_t>(data->size()));
  }
  void WriteAtomic(const std::string& rel, const nb::bytes& data) const {
    std::string content(data.c_str(), data.size());
    nb::gil_scoped_release release;
    Check(lake_->WriteAtomic(rel, content));
  }
  bool WriteIfAbsent(const std::string& rel, const nb::bytes& data) const {
    std::string content(data.c_str(), data.size());
    nb::gil_scoped_release release;
    return Value(lake_->WriteIfAbsent(rel, content));
  }
  std::vector<std::pair<std::string, int64_t>> ListFiles(const std::string& rel,
                                                         bool recursive) const {
    std::vector<std::pair<std::string, int64_t>> out;
    for (auto& f : Value(lake_->ListFiles(rel, recursive))) out.emplace_back(f.path, f.size);
    return out;
  }
  std::vector<std::string> ListDirs(const std::string& rel) const {
    return Value(lake_->ListDirectories(rel));
  }
  void CreateDir(const std::string& rel) const { Check(lake_->CreateDir(rel)); }
  void DeleteDir(const std::string& rel) const {
    nb::gil_scoped_release release;
    Check(lake_->DeleteDir(rel));
  }
  void DeleteFile(const std::string& rel) const { Check(lake_->DeleteFile(rel)); }
  void Move(const std::string& from, const std::string& to) const {
    nb::gil_scoped_release release;
    Check(lake_->Move(from, to));
  }
  void PublishFolder(const std::string& local_dir, const std::string& rel,
                     const std::string& marker) const;

 private:
  std::unique_ptr<storage::Lake> lake_;
};

// The regular files under a local folder, relative and sorted.
Result<std::vector<std::string>> LocalFiles(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::string> files;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path().lexically_relative(dir).string());
  }
  if (ec) return Status::IOError("listing {}: {}", dir.string(), ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::string> ReadLocalFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Status::IOError("reading {}", path.string());
  return content;
}

// Makes the files of the local folder `local_dir` the lake folder `rel`, replacing it, so
// that a reader who finds `marker` in it finds every file: on a local lake the files are
// staged in a sibling folder that is then renamed into place (marker written last there
// too); on S3 (no renames) the files are uploaded in place with the marker last.
void PyLake::PublishFolder(const std::string& local_dir, const std::string& rel,
                           const std::string& marker) const {
  nb::gil_scoped_release release;
  std::vector<std::string> files = Value(LocalFiles(local_dir));
  std::stable_partition(files.begin(), files.end(),
                        [&](const std::string& f) { return f != marker; });
  std::string target = rel;
  std::string staging;
  if (lake_->is_local()) {
    size_t slash = rel.rfind('/');
    std::string parent = slash == std::string::npos ? "" : rel.substr(0, slash);
    std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    staging = storage::JoinPath(parent, fmt::format(".publish-{}-{}", name, ::getpid()));
    Check(lake_->DeleteDir(staging));
    target = staging;
  } else {
    Check(lake_->DeleteDir(rel));
  }
  for (const std::string& f : files) {
    std::string content = Value(ReadLocalFile(std::filesystem::path(local_dir) / f));
    Check(lake_->WriteAtomic(storage::JoinPath(target, f), content));
  }
  if (lake_->is_local()) {
    Check(lake_->DeleteDir(rel));
    Check(lake_->Move(staging, rel));
  }
}

// sensorlake.LakeLock: the lake's named lock, held until release() or the end of a `with`.
class PyLakeLock {
 public:
  PyLakeLock(const PyLake& lake, const std::string& name, const std::string& purpose)
      : lock_(Value(storage::LakeLock::Acquire(lake.lake(), name, purpose))) {}
  void Release() { lock_.reset(); }
  bool held() const { return lock_ != nullptr; }

 private:
  std::unique_ptr<storage::LakeLock> lock_;
};

// The file this process loaded libarrow from, as the dynamic linker resolved it.
std::string ArrowLibraryPath() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&arrow::GetBuildInfo), &info) == 0 || !info.dli_fname) {
    Check(Status::Internal("dladdr cannot place arrow::GetBuildInfo"));
  }
  return info.dli_fname;
}

}  // namespace
}  // namespace sensorlake::python

NB_MODULE(_engine, m) {
  namespace py = sensorlake::python;
  m.doc() = "sensorlake engine bindings (use the sensorlake package, not this module)";
  py::engine_error_type =
      PyErr_NewException("sensorlake._engine.EngineError", PyExc_RuntimeError, nullptr);
  m.attr("EngineError") = nb::borrow(py::engine_error_type);
  nb::register_exception_translator(&py::TranslateEngineError);
  // Progress lines on stderr are for a terminal, not for Spark executors' logs: off unless
  // asked for.
  sensorlake::Progress::SetEnabled(false);
  m.def(
      "set_progress", [](bool on) { sensorlake::Progress::SetEnabled(on); }, nb::arg("enabled"));
  m.def("version", [] { return std::string(SENSORLAKE_VERSION); });
  // Arrow's S3 client must be shut down while the interpreter is alive: the package calls
  // this from a Python atexit handler (the engine's C atexit net runs too late in Python).
  m.def("finalize_object_stores", [] { sensorlake::storage::FinalizeObjectStores(); });
  m.def("arrow_version", [] { return arrow::GetBuildInfo().version_string; });
  m.def("arrow_library_path", &py::ArrowLibraryPath);
  m.def("list_raw_files", &py::ListRawFiles, nb::arg("lake_uri"), nb::arg("raw_version"));
  m.def("transform_files", &py::TransformFiles, nb::arg("lake_uri"), nb::arg("raw_version"),
        nb::arg("paths"), nb::arg("staging_prefix"), nb::arg("task_id"),
        nb::arg("config_path").none(), nb::arg("threads"));
  m.def("commit_transform", &py::CommitTransform, nb::arg("lake_uri"), nb::arg("raw_version"),
        nb::arg("task_manifests"), nb::arg("staging_prefixes"), nb::arg("config_path").none());
  m.def("read_text", &py::ReadText, nb::arg("lake_uri"), nb::arg("path"));
  m.def("run_record_texts", &py::RunRecordTexts, nb::arg("lake_uri"));
  nb::class_<py::AddressLog>(m, "AddressLog").def_ro("addresses", &py::AddressLog::addresses);
  m.def("read_curated_recorded", &py::ReadCuratedRecorded, nb::arg("lake_uri"), nb::arg("version"),
        nb::arg("subject").none(), nb::arg("device"), nb::arg("sensor"));
  m.def("read_curated", &py::ReadCurated, nb::arg("lake_uri"), nb::arg("version"),
        nb::arg("subject").none(), nb::arg("device"), nb::arg("sensor"));
  nb::class_<py::PyLake>(m, "Lake")
      .def(nb::init<const std::string&, bool>(), nb::arg("uri"), nb::arg("create") = true)
      .def_prop_ro("uri", &py::PyLake::uri)
      .def_prop_ro("is_local", &py::PyLake::is_local)
      .def("display_path", &py::PyLake::DisplayPath, nb::arg("path") = "")
      .def("exists", &py::PyLake::Exists, nb::arg("path"))
      .def("is_dir", &py::PyLake::IsDir, nb::arg("path"))
      .def("read_bytes", &py::PyLake::ReadBytes, nb::arg("path"))
      .def("write_atomic", &py::PyLake::WriteAtomic, nb::arg("path"), nb::arg("data"))
      .def("write_if_absent", &py::PyLake::WriteIfAbsent, nb::arg("path"), nb::arg("data"))
      .def("list_files", &py::PyLake::ListFiles, nb::arg("path"), nb::arg("recursive"))
      .def("list_dirs", &py::PyLake::ListDirs, nb::arg("path"))
      .def("mkdir", &py::PyLake::CreateDir, nb::arg("path"))
      .def("delete_dir", &py::PyLake::DeleteDir, nb::arg("path"))
      .def("delete_file", &py::PyLake::DeleteFile, nb::arg("path"))
      .def("move", &py::PyLake::Move, nb::arg("source"), nb::arg("target"))
      .def("publish_folder", &py::PyLake::PublishFolder, nb::arg("local_dir"), nb::arg("path"),
           nb::arg("marker"));
  nb::class_<py::PyLakeLock>(m, "LakeLock")
      .def(nb::init<const py::PyLake&, const std::string&, const std::string&>(), nb::arg("lake"),
           nb::arg("name"), nb::arg("purpose"), nb::keep_alive<1, 2>())
      .def("release", &py::PyLakeLock::Release)
      .def_prop_ro("held", &py::PyLakeLock::held);
}
