// sensorlake._engine: the engine's entry points for the Python package. JSON crosses as
// text (the package parses it), tables cross as an Arrow C stream in a PyCapsule that
// pyarrow imports without copying: this module and pyarrow load the same libarrow.so.
#include <dlfcn.h>

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
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>
#include <nlohmann/json.hpp>

#include "sensorlake/common/progress.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/curated_table.h"
#include "sensorlake/transform/task_transform.h"

namespace nb = nanobind;

namespace sensorlake::python {
namespace {

// Raised as sensorlake.EngineError; the message starts with the status code name.
struct EngineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void Check(const Status& st) {
  if (!st.ok()) throw EngineError(st.ToString());
}

template <typename T>
T Value(Result<T> r) {
  Check(r.status());
  return std::move(*r);
}

std::unique_ptr<storage::Lake> OpenLake(const std::string& uri) {
  return Value(storage::Lake::Open(uri));
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
    if (j.is_discarded())
      throw EngineError(fmt::format("invalid: task manifest {} is not JSON", i));
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
  Check(Status::FromArrow(arrow::ExportRecordBatchReader(reader, stream.get())));
  PyObject* capsule = PyCapsule_New(stream.get(), "arrow_array_stream", ReleaseStream);
  if (capsule == nullptr) throw nb::python_error();
  stream.release();
  return nb::steal(capsule);
}

std::shared_ptr<arrow::RecordBatchReader> CuratedReader(const std::string& lake_uri,
                                                        const std::string& version,
                                                        std::optional<int32_t> subject,
                                                        const std::string& device,
                                                        const std::string& sensor) {
  transform::CuratedFilter filter{version, subject, device, sensor};
  std::shared_ptr<const storage::Lake> lake = OpenLake(lake_uri);
  return Value(transform::OpenCuratedReader(std::move(lake), filter));
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

// The file this process loaded libarrow from, as the dynamic linker resolved it.
std::string ArrowLibraryPath() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&arrow::GetBuildInfo), &info) == 0 || !info.dli_fname) {
    throw EngineError("internal: dladdr cannot place arrow::GetBuildInfo");
  }
  return info.dli_fname;
}

}  // namespace
}  // namespace sensorlake::python

NB_MODULE(_engine, m) {
  namespace py = sensorlake::python;
  m.doc() = "sensorlake engine bindings (use the sensorlake package, not this module)";
  nb::exception<py::EngineError>(m, "EngineError", PyExc_RuntimeError);
  // Progress lines on stderr are for a terminal, not for Spark executors' logs: off unless
  // asked for.
  sensorlake::Progress::SetEnabled(false);
  m.def(
      "set_progress", [](bool on) { sensorlake::Progress::SetEnabled(on); }, nb::arg("enabled"));
  m.def("version", [] { return std::string(SENSORLAKE_VERSION); });
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
}
