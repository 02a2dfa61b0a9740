// easgate-admin: the gateway's admin CLI over the JSON admin API.
//   easgate-admin [--config FILE | --url URL --token TOKEN] [--format F] VERB ...
// Exit codes: 0 ok, 1 server-side error (including unreachable), 2 usage error. Every
// failure is one line on stderr.

#include <curl/curl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "gateway/admin/json.h"
#include "gateway/config/config_loader.h"
#include "tools/easgate-admin/admin_target.h"
#include "tools/easgate-admin/cli_args.h"

namespace easgate {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitServer = 1;
constexpr int kExitUsage = 2;

int fail(int code, const std::string& line) {
  std::cerr << "easgate-admin: " << line << "\n";
  return code;
}

size_t collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct HttpResult {
  long status = 0;     // HTTP status, 0 when no answer
  std::string body;    // response body
  std::string error;   // transport error, "" when an answer came
};

HttpResult perform(const AdminTarget& target, const ApiCall& call, OutputFormat format) {
  HttpResult out;
  CURL* curl = curl_easy_init();
  if (!curl) {
    out.error = "cannot initialise libcurl";
    return out;
  }
  std::string query = call.query;
  if (call.listing) {
    query += (query.empty() ? "format=" : "&format=") + std::string(output_format_name(format));
  }
  const std::string url = target.base_url + call.path + (query.empty() ? "" : "?" + query);
  const std::string authorization = "Authorization: Bearer " + target.token;
  const char* user = std::getenv("USER");
  const std::string actor = std::string("X-Easgate-Actor: ") + (user ? user : "");
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, authorization.c_str());
  headers = curl_slist_append(headers, actor.c_str());
  if (!call.body.empty()) headers = curl_slist_append(headers, "Content-Type: application/json");
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (call.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  }
  if (!target.ca_file.empty()) {
    // The gateway's own certificate is the trust anchor; it is usually issued for a
    // hostname, not for the loopback literal taken from the config.
    curl_easy_setopt(curl, CURLOPT_CAINFO, target.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    out.error = "cannot reach " + target.base_url + ": " +
                (error_buffer[0] ? std::string(error_buffer) : curl_easy_strerror(rc));
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return out;
}

int run(const std::vector<std::string>& args) {
  Result<CliCommand> parsed = parse_cli(args);
  if (!parsed.is_ok()) {
    std::cerr << "easgate-admin: " << parsed.status().message() << "\n"
              << "(easgate-admin --help shows the usage)\n";
    return kExitUsage;
  }
  CliCommand& command = *parsed;
  if (command.help) {
    std::cout << cli_usage();
    return kExitOk;
  }
  AdminTarget target;
  if (!command.options.config_path.empty()) {
    Result<GatewayConfig> config = load_config(command.options.config_path);
    if (!config.is_ok()) {
      // The loader lists every error; the first names the problem precisely.
      const std::string m = config.status().message();
      return fail(kExitUsage, m.substr(0, m.find('\n')));
    }
    Result<AdminTarget> from_config = admin_target_from_config(*config);
    if (!from_config.is_ok()) return fail(kExitUsage, from_config.status().message());
    target = *from_config;
    if (!command.options.token.empty()) target.token = command.options.token;
  } else {
    target.base_url = command.options.url;
    if (target.base_url.empty()) {
      const char* env = std::getenv("EASGATE_ADMIN_URL");
      if (env) target.base_url = env;
    }
    if (target.base_url.empty()) {
      return fail(kExitUsage, "no admin API address: give --config FILE or --url URL");
    }
    while (!target.base_url.empty() && target.base_url.back() == '/') target.base_url.pop_back();
    target.token = command.options.token;
    if (target.token.empty()) {
      const char* env = std::getenv("EASGATE_ADMIN_TOKEN");
      if (env) target.token = env;
    }
    if (target.token.empty()) {
      return fail(kExitUsage, "no admin token: give --token TOKEN, set EASGATE_ADMIN_TOKEN "
                              "or use --config FILE");
    }
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  HttpResult result = perform(target, command.call, command.options.format);
  curl_global_cleanup();
  if (!result.error.empty()) return fail(kExitServer, result.error);

  if (result.status < 200 || result.status >= 300) {
    Result<JsonValue> error = parse_json(result.body);
    const JsonValue* message = error.is_ok() ? error->find("error") : nullptr;
    if (message && message->is_string()) return fail(kExitServer, message->as_string());
    return fail(kExitServer, "HTTP " + std::to_string(result.status) + " from " + target.base_url);
  }
  if (command.call.listing) {
    std::cout << result.body;
    return kExitOk;
  }
  // A change: JSON output shows the whole answer, otherwise its one-line message.
  Result<JsonValue> answer = parse_json(result.body);
  if (!answer.is_ok()) return fail(kExitServer, "unreadable answer: " + answer.status().message());
  if (command.options.format == OutputFormat::kJson) {
    std::cout << answer->dump_pretty();
  } else if (const JsonValue* message = answer->find("message")) {
    std::cout << message->as_string() << "\n";
  }
  if (const JsonValue* warning = answer->find("warning")) {
    std::cerr << "easgate-admin: warning: " << warning->as_string() << "\n";
  }
  return kExitOk;
}

}  // namespace
}  // namespace easgate

int main(int argc, char** argv) {
  return easgate::run(std::vector<std::string>(argv + 1, argv + argc));
}
