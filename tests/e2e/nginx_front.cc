#include "tests/e2e/nginx_front.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"

namespace indicators::testing {
namespace {

// Returns a port that was free a moment ago (nginx cannot report one).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

NginxFront::NginxFront(const std::string& dir, const TestPki& pki,
                       const std::vector<std::string>& upstreams,
                       const std::vector<std::string>& http_upstreams)
    : dir_(dir) {
  const int port = FreePort();
  address_ = absl::StrCat("127.0.0.1:", port);
  std::string servers;
  for (const std::string& upstream : upstreams) {
    absl::StrAppend(&servers, "    server ", upstream,
                    " max_fails=1 fail_timeout=2s;\n");
  }
  std::string http_servers;
  for (const std::string& upstream : http_upstreams) {
    absl::StrAppend(&http_servers, "    server ", upstream,
                    " max_fails=1 fail_timeout=2s;\n");
  }
  // Without an HTTP port, one that nothing listens on (a closed port).
  if (http_servers.empty()) http_servers = "    server 127.0.0.1:9 down;\n";
  const std::string site = absl::StrReplaceAll(
      ReadAll(INDICATORS_SOURCE_DIR "/deploy/nginx/indicators.conf"),
      {{"listen 443 ssl", absl::StrCat("listen ", address_, " ssl")},
       {"/etc/ssl/indicators/server.pem", pki.Cert("server")},
       {"/etc/ssl/indicators/server.key", pki.Key("server")},
       {"    server 127.0.0.1:50051 max_fails=1 fail_timeout=2s;\n", servers},
       {"    server 127.0.0.1:8080 max_fails=1 fail_timeout=2s;\n",
        http_servers}});
  std::ofstream(dir + "/site.conf") << site;
  std::ofstream(dir + "/nginx.conf")
      << (geteuid() == 0 ? "user root;\n" : "") << "worker_processes 1;\n"
      << "pid " << dir << "/nginx.pid;\n"
      << "error_log " << dir << "/error.log warn;\n"
      << "events { worker_connections 256; }\n"
      << "http {\n  access_log off;\n"
      << "  client_body_temp_path " << dir << "/body;\n"
      << "  proxy_temp_path " << dir << "/proxy;\n"
      << "  fastcgi_temp_path " << dir << "/fastcgi;\n"
      << "  uwsgi_temp_path " << dir << "/uwsgi;\n"
      << "  scgi_temp_path " << dir << "/scgi;\n"
      << "  include " << dir << "/site.conf;\n}\n";
  nginx_ = std::make_unique<Subprocess>(std::vector<std::string>{
      NGINX_BINARY, "-p", dir, "-c", dir + "/nginx.conf", "-g", "daemon off;"});
  // Returns once nginx accepts connections (or after 10 s).
  for (int attempt = 0; attempt < 200; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool listening =
        connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (listening) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

NginxFront::~NginxFront() {
  nginx_->Signal(SIGTERM);
  nginx_->Wait(absl::Seconds(10));
}

std::string NginxFront::ErrorLog() const {
  std::string line;
  while (nginx_->ReadLine(&line, absl::Milliseconds(10))) {
  }
  return absl::StrCat(ReadAll(dir_ + "/error.log"), nginx_->output(),
                      "\nnginx exit: ", nginx_->Wait(absl::ZeroDuration()));
}

}  // namespace indicators::testing
