// `sensorlake serve`: the read-only web app over a lake (docs/web.md).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "cli/command.h"
#include "sensorlake/serve/server.h"

namespace sensorlake::cli {

namespace {

// The built front end: --assets, else share/sensorlake/web beside an installed engine (the
// `make dist` tarball), else web/dist of the source tree this binary was built from (make
// build puts it there).
std::string DefaultAssets() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path installed = exe.parent_path().parent_path() / "share/sensorlake/web";
  if (!ec && std::filesystem::is_regular_file(installed / "index.html", ec)) return installed;
  return std::string(SENSORLAKE_SOURCE_DIR) + "/web/dist";
}

Status RunServe(const serve::ServeOptions& options, const GlobalOptions& global,
                CommandOutput* out) {
  // SIGINT and SIGTERM are waited for by this thread; the server threads never see them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  SL_ASSIGN_OR_RETURN(auto server, serve::WebServer::Create(options));
  SL_ASSIGN_OR_RETURN(int32_t port, server->Bind());
  if (!global.quiet) std::fprintf(stderr, "indexing the curated dataset...\n");
  Status warm = server->api().Warm();
  if (!warm.ok())
    std::fprintf(stderr, "warning: %s (the dataset pages will say so)\n", warm.ToString().c_str());
  // The address line: on stdout for people and scripts; on stderr with --json, whose stdout
  // is the one JSON summary printed when the server stops.
  std::fprintf(global.json ? stderr : stdout,
               "serving %s on http://%s:%d/ (read-only; Ctrl-C stops)\n",
               server->api().lake().uri().c_str(), options.bind.c_str(), port);
  std::fflush(global.json ? stderr : stdout);
  Status listened;
  std::thread listener([&] { listened = server->Listen(); });
  int sig = 0;
  sigwait(&stop_signals, &sig);
  server->Stop();
  listener.join();
  SL_RETURN_NOT_OK(listened);
  out->summary = {
      {"port", port}, {"bind", options.bind}, {"stopped_by", sig == SIGINT ? "SIGINT" : "SIGTERM"}};
  out->text = "server stopped\n";
  return Status::OK();
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  auto options = std::make_shared<serve::ServeOptions>();
  options->assets_dir = DefaultAssets();
  CLI::App* cmd =
      app.add_subcommand("serve", "Read-only web app over a lake: runs, dataset, signals, SQL");
  cmd->add_option("--lake", options->lake_uri, "Lake URI (path, file:// or s3://)")->required();
  cmd->add_option("--port", options->port, "TCP port (0: any free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", options->bind, "Address to listen on (default loopback only)");
  cmd->add_option("--assets", options->assets_dir,
                  "The front end's built files (default: web/dist of the source tree)");
  cmd->callback([options, &global, run] {
    *run = [options, &global](CommandOutput* out) { return RunServe(*options, global, out); };
  });
}

}  // namespace sensorlake::cli
