#include "tests/testing/test_pki.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace indicators::testing {
namespace {

bool Run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TestPki::TestPki() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "indicators-pki-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
  dir_ = pattern;
  const std::string d = dir_;
  auto ca = [&](const std::string& name) {
    return Run(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + name +
        " -keyout " + d + "/" + name + ".key -out " + d + "/" + name + ".pem");
  };
  auto leaf = [&](const std::string& name, const std::string& issuer,
                  const std::string& ext) {
    std::ofstream(d + "/" + name + ".ext") << ext << "\n";
    return Run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + name +
               " -keyout " + d + "/" + name + ".key -out " + d + "/" + name +
               ".csr") &&
           Run("openssl x509 -req -days 2 -in " + d + "/" + name + ".csr -CA " +
               d + "/" + issuer + ".pem -CAkey " + d + "/" + issuer +
               ".key -CAcreateserial" + " -extfile " + d + "/" + name +
               ".ext -out " + d + "/" + name + ".pem");
  };
  ok_ = ca("ca") && ca("other_ca") &&
        leaf("server", "ca",
             "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
             "extendedKeyUsage=serverAuth") &&
        leaf("client", "ca", "extendedKeyUsage=clientAuth") &&
        leaf("other_client", "other_ca", "extendedKeyUsage=clientAuth");
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace indicators::testing
