#include "tools/easgate-admin/cli_args.h"

#include <map>
#include <set>

#include "gateway/admin/admin_api.h"
#include "gateway/admin/json.h"

namespace easgate {
namespace {

// Options that take a value; every other "--x" is a flag.
const std::set<std::string> kValueOptions = {"--config", "--url",   "--token",  "--format",
                                             "--user",   "--reason", "--since",  "--limit",
                                             "--action", "--match",  "--position",
                                             "--group"};
const std::set<std::string> kFlagOptions = {"--help", "--account-only", "--force"};
const std::set<std::string> kGlobalOptions = {"--config", "--url", "--token", "--format",
                                              "--help"};

struct Parsed {
  std::vector<std::string> words;                // verb words and operands, in order
  std::map<std::string, std::string> options;    // "--reason" -> "lost phone"; flags -> ""
};

Status usage_error(const std::string& line) { return Status::invalid_argument(line); }

Result<Parsed> split(const std::vector<std::string>& args) {
  Parsed out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      for (++i; i < args.size(); ++i) out.words.push_back(args[i]);
      break;
    }
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::string name = a, value;
      const size_t eq = a.find('=');
      const bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
      if (inline_value) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
      }
      if (name == "-h") name = "--help";
      if (kValueOptions.count(name)) {
        if (!inline_value) {
          if (i + 1 >= args.size()) return usage_error(name + " needs a value");
          value = args[++i];
        }
      } else if (kFlagOptions.count(name)) {
        if (inline_value) return usage_error(name + " takes no value");
      } else {
        return usage_error("unknown option " + name);
      }
      if (out.options.count(name)) return usage_error(name + " given twice");
      out.options[name] = value;
      continue;
    }
    out.words.push_back(a);
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// Rejects options the verb does not take, naming the first one.
Status only_options(const Parsed& p, const std::string& verb, std::set<std::string> allowed) {
  for (const auto& [name, value] : p.options) {
    if (!kGlobalOptions.count(name) && !allowed.count(name)) {
      return usage_error(verb + ": unknown option " + name);
    }
  }
  return Status::ok();
}

// USER DEVICE or USER/DEVICE from words[first..].
Result<std::pair<std::string, std::string>> device_operand(const Parsed& p, size_t first,
                                                           const std::string& verb) {
  const size_t n = p.words.size() - first;
  if (n == 2) return std::make_pair(p.words[first], p.words[first + 1]);
  if (n == 1) {
    const std::string& w = p.words[first];
    const size_t slash = w.find('/');
    if (slash != std::string::npos && slash > 0 && slash + 1 < w.size()) {
      return std::make_pair(w.substr(0, slash), w.substr(slash + 1));
    }
  }
  return usage_error(verb + ": expected USER DEVICE or USER/DEVICE, got " + std::to_string(n) +
                     (n == 1 ? " argument" : " arguments"));
}

std::string device_path(const std::pair<std::string, std::string>& d) {
  return "/api/devices/" + percent_encode(d.first) + "/" + percent_encode(d.second);
}

std::string reason_body(const Parsed& p) {
  auto it = p.options.find("--reason");
  if (it == p.options.end()) return "";
  return JsonValue::object().set("reason", it->second).dump();
}

Result<ApiCall> devices_call(const Parsed& p) {
  static const std::vector<std::string> kVerbs = {"list",       "show", "approve",     "allow",
                                                  "block",      "quarantine", "wipe",
                                                  "cancel-wipe", "clear-wipe", "remove"};
  if (p.words.size() < 2) return usage_error("devices: expected one of " + join(kVerbs));
  const std::string& sub = p.words[1];
  const std::string verb = "devices " + sub;
  ApiCall call;
  if (sub == "list") {
    if (Status s = only_options(p, verb, {"--user"}); !s.is_ok()) return s;
    if (p.words.size() != 2) return usage_error(verb + ": unexpected argument \"" + p.words[2] + "\" (use --user USER)");
    call.method = "GET";
    call.path = "/api/devices";
    if (auto it = p.options.find("--user"); it != p.options.end()) {
      call.query = "user=" + percent_encode(it->second);
    }
    call.listing = true;
    return call;
  }
  bool known = false;
  for (const std::string& v : kVerbs) known = known || v == sub;
  if (!known) return usage_error("devices: unknown verb \"" + sub + "\" (expected " + join(kVerbs) + ")");
  auto device = device_operand(p, 2, verb);
  if (!device.is_ok()) return device.status();
  call.path = device_path(*device);
  if (sub == "show") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    call.method = "GET";
    call.listing = true;
  } else if (sub == "remove") {
    if (Status s = only_options(p, verb, {"--force"}); !s.is_ok()) return s;
    call.method = "DELETE";
    if (p.options.count("--force")) call.query = "force=1";
  } else if (sub == "wipe") {
    if (Status s = only_options(p, verb, {"--account-only"}); !s.is_ok()) return s;
    call.method = "POST";
    call.path += "/wipe";
    if (p.options.count("--account-only")) {
      call.body = JsonValue::object().set("account_only", true).dump();
    }
  } else if (sub == "cancel-wipe" || sub == "clear-wipe") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    call.method = "POST";
    call.path += "/" + sub;
  } else {  // approve, allow, block, quarantine
    if (Status s = only_options(p, verb, {"--reason"}); !s.is_ok()) return s;
    call.method = "POST";
    call.path += "/" + sub;
    call.body = reason_body(p);
  }
  return call;
}

Result<ApiCall> exemptions_call(const Parsed& p) {
  static const std::vector<std::string> kVerbs = {"list", "allow", "block", "remove"};
  if (p.words.size() < 2) return usage_error("exemptions: expected one of " + join(kVerbs));
  const std::string& sub = p.words[1];
  const std::string verb = "exemptions " + sub;
  ApiCall call;
  if (sub == "list") {
    if (Status s = only_options(p, verb, {"--user"}); !s.is_ok()) return s;
    if (p.words.size() != 2) return usage_error(verb + ": unexpected argument \"" + p.words[2] + "\" (use --user USER)");
    call = ApiCall{"GET", "/api/exemptions", "", "", true};
    if (auto it = p.options.find("--user"); it != p.options.end()) {
      call.query = "user=" + percent_encode(it->second);
    }
    return call;
  }
  if (sub != "allow" && sub != "block" && sub != "remove") {
    return usage_error("exemptions: unknown verb \"" + sub + "\" (expected " + join(kVerbs) + ")");
  }
  auto device = device_operand(p, 2, verb);
  if (!device.is_ok()) return device.status();
  const std::string path =
      "/api/exemptions/" + percent_encode(device->first) + "/" + percent_encode(device->second);
  if (sub == "remove") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    return ApiCall{"DELETE", path, "", "", false};
  }
  if (Status s = only_options(p, verb, {"--reason"}); !s.is_ok()) return s;
  return ApiCall{"POST", path + "/" + sub, "", reason_body(p), false};
}

Result<ApiCall> users_call(const Parsed& p) {
  static const std::vector<std::string> kVerbs = {"list", "show", "enable", "disable"};
  if (p.words.size() < 2) return usage_error("users: expected one of " + join(kVerbs));
  const std::string& sub = p.words[1];
  const std::string verb = "users " + sub;
  ApiCall call;
  if (sub == "list") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    if (p.words.size() != 2) return usage_error(verb + ": takes no arguments");
    call.method = "GET";
    call.path = "/api/users";
    call.listing = true;
    return call;
  }
  if (sub != "show" && sub != "enable" && sub != "disable") {
    return usage_error("users: unknown verb \"" + sub + "\" (expected " + join(kVerbs) + ")");
  }
  if (p.words.size() != 3) {
    return usage_error(verb + ": expected USER, got " + std::to_string(p.words.size() - 2) +
                       " arguments");
  }
  call.path = "/api/users/" + percent_encode(p.words[2]);
  if (sub == "show") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    call.method = "GET";
    call.listing = true;
  } else {
    if (Status s = only_options(p, verb, {"--reason"}); !s.is_ok()) return s;
    call.method = "POST";
    call.path += "/" + sub;
    call.body = reason_body(p);
  }
  return call;
}

Result<ApiCall> reports_call(const Parsed& p) {
  if (Status s = only_options(p, "reports", {}); !s.is_ok()) return s;
  if (p.words.size() != 2 ||
      (p.words[1] != "devices" && p.words[1] != "users" && p.words[1] != "wipes")) {
    return usage_error("reports: expected one of devices, users, wipes");
  }
  return ApiCall{"GET", "/api/reports/" + p.words[1], "", "", true};
}

Result<ApiCall> audit_call(const Parsed& p) {
  if (Status s = only_options(p, "audit", {"--since", "--limit"}); !s.is_ok()) return s;
  if (p.words.size() != 1) return usage_error("audit: unexpected argument \"" + p.words[1] + "\"");
  ApiCall call{"GET", "/api/audit", "", "", true};
  if (auto it = p.options.find("--since"); it != p.options.end()) {
    call.query = "since=" + percent_encode(it->second);
  }
  if (auto it = p.options.find("--limit"); it != p.options.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
      return usage_error("audit: --limit \"" + v + "\" is not a positive number");
    }
    call.query += (call.query.empty() ? "limit=" : "&limit=") + v;
  }
  return call;
}

// --match FIELD=PATTERN (exact), FIELD^=PATTERN (prefix) or FIELD~=PATTERN (glob); one
// --match per condition would need repeated options, so conditions are comma-separated:
// --match "device_type~=WP*,user_agent^=MSFT".
Result<JsonValue> parse_match(const std::string& text) {
  JsonValue match = JsonValue::object();
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 >= item.size()) {
      return usage_error("rules: --match \"" + item +
                         "\" is not FIELD=PATTERN, FIELD^=PATTERN or FIELD~=PATTERN");
    }
    std::string field = item.substr(0, eq);
    std::string kind = "exact";
    if (field.back() == '^' || field.back() == '~') {
      kind = field.back() == '^' ? "prefix" : "glob";
      field.pop_back();
    }
    if (match.find(field)) return usage_error("rules: --match names " + field + " twice");
    match.set(field, JsonValue::object().set(kind, item.substr(eq + 1)));
    start = comma + 1;
  }
  return match;
}

Result<ApiCall> rules_call(const Parsed& p) {
  static const std::vector<std::string> kVerbs = {"list", "add", "remove", "test"};
  if (p.words.size() < 2) return usage_error("rules: expected one of " + join(kVerbs));
  const std::string& sub = p.words[1];
  const std::string verb = "rules " + sub;
  if (sub == "list") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    if (p.words.size() != 2) return usage_error(verb + ": takes no arguments");
    return ApiCall{"GET", "/api/rules", "", "", true};
  }
  if (sub == "remove") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    if (p.words.size() != 3) return usage_error(verb + ": expected NAME");
    return ApiCall{"DELETE", "/api/rules/" + percent_encode(p.words[2]), "", "", false};
  }
  if (sub != "add" && sub != "test") {
    return usage_error("rules: unknown verb \"" + sub + "\" (expected " + join(kVerbs) + ")");
  }
  if (Status s = only_options(p, verb, {"--action", "--match", "--position"}); !s.is_ok()) return s;
  if (p.words.size() != 3) {
    return usage_error(verb + ": expected NAME --action allow|block|quarantine --match FIELD=PATTERN");
  }
  auto action = p.options.find("--action");
  auto match = p.options.find("--match");
  if (action == p.options.end()) return usage_error(verb + ": --action allow|block|quarantine is required");
  if (match == p.options.end()) return usage_error(verb + ": --match FIELD=PATTERN is required");
  Result<JsonValue> conditions = parse_match(match->second);
  if (!conditions.is_ok()) return conditions.status();
  JsonValue body = JsonValue::object();
  body.set("name", p.words[2]).set("action", action->second).set("match", std::move(*conditions));
  if (auto pos = p.options.find("--position"); pos != p.options.end()) {
    const std::string& v = pos->second;
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
      return usage_error(verb + ": --position \"" + v + "\" is not a positive number");
    }
    body.set("position", static_cast<int64_t>(std::stol(v)));
  }
  // test answers with the devices it would change, which is a listing.
  return ApiCall{"POST", sub == "test" ? "/api/rules/test" : "/api/rules",
                 "", body.dump(), sub == "test"};
}

Result<ApiCall> policies_call(const Parsed& p) {
  static const std::vector<std::string> kVerbs = {"list", "show", "assign", "unassign"};
  if (p.words.size() < 2) return usage_error("policies: expected one of " + join(kVerbs));
  const std::string& sub = p.words[1];
  const std::string verb = "policies " + sub;
  if (sub == "list") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    if (p.words.size() != 2) return usage_error(verb + ": takes no arguments");
    return ApiCall{"GET", "/api/policies", "", "", true};
  }
  if (sub == "show") {
    if (Status s = only_options(p, verb, {}); !s.is_ok()) return s;
    if (p.words.size() != 3) return usage_error(verb + ": expected NAME");
    return ApiCall{"GET", "/api/policies/" + percent_encode(p.words[2]), "", "", true};
  }
  if (sub == "assign" || sub == "unassign") {
    if (Status s = only_options(p, verb, {"--group"}); !s.is_ok()) return s;
    auto group = p.options.find("--group");
    const size_t want = group == p.options.end() ? 4 : 3;
    if (p.words.size() != want) return usage_error(verb + ": expected NAME USER or NAME --group GROUP");
    JsonValue body = JsonValue::object();
    if (group == p.options.end()) {
      body.set("user", p.words[3]);
    } else {
      body.set("group", group->second);
    }
    return ApiCall{"POST", "/api/policies/" + percent_encode(p.words[2]) + "/" + sub, "",
                   body.dump(), false};
  }
  return usage_error("policies: unknown verb \"" + sub + "\" (expected " + join(kVerbs) + ")");
}

}  // namespace

const char* cli_usage() {
  return "usage: easgate-admin [--config FILE | --url URL [--token TOKEN]] [--format table|csv|json]\n"
         "                     VERB ...\n"
         "  devices list [--user USER]\n"
         "  devices show USER DEVICE            (a device is USER DEVICE or USER/DEVICE)\n"
         "  devices approve|allow|block|quarantine USER DEVICE [--reason TEXT]\n"
         "  devices wipe USER DEVICE [--account-only]\n"
         "  devices cancel-wipe USER DEVICE     (a wipe not yet acknowledged)\n"
         "  devices clear-wipe USER DEVICE      (let a wiped device back; it provisions again)\n"
         "  devices remove USER DEVICE [--force]\n"
         "  users list | users show USER | users enable|disable USER [--reason TEXT]\n"
         "  reports devices|users|wipes\n"
         "  audit [--since 2026-01-02|2026-01-02T10:00:00Z|24h] [--limit N]\n"
         "  rules list | rules remove NAME\n"
         "  rules add|test NAME --action allow|block|quarantine --match COND[,COND...]\n"
         "        [--position N]   COND: FIELD=EXACT, FIELD^=PREFIX or FIELD~=GLOB; FIELD one of\n"
         "        device_type, device_model, device_os, user_agent, user, group\n"
         "  policies list | policies show NAME\n"
         "  policies assign|unassign NAME USER | policies assign|unassign NAME --group GROUP\n"
         "  exemptions list [--user USER]\n"
         "  exemptions allow|block USER DEVICE [--reason TEXT]   (per-user device exemption)\n"
         "  exemptions remove USER DEVICE\n"
         "Rules added with 'rules add' are evaluated after the YAML rules (--position counts\n"
         "among the added rules); 'rules list' shows the combined order.\n"
         "The token may also come from $EASGATE_ADMIN_TOKEN. Exit codes: 0 ok, 1 server-side\n"
         "error, 2 usage error.\n";
}

Result<CliCommand> parse_cli(const std::vector<std::string>& args) {
  Result<Parsed> parsed = split(args);
  if (!parsed.is_ok()) return parsed.status();
  const Parsed& p = *parsed;
  CliCommand out;
  if (p.options.count("--help") || (!p.words.empty() && p.words[0] == "help")) {
    out.help = true;
    return out;
  }
  if (auto it = p.options.find("--format"); it != p.options.end()) {
    if (!parse_output_format(it->second, &out.options.format)) {
      return usage_error("--format \"" + it->second + "\" is not one of table, csv, json");
    }
  }
  if (auto it = p.options.find("--config"); it != p.options.end()) out.options.config_path = it->second;
  if (auto it = p.options.find("--url"); it != p.options.end()) out.options.url = it->second;
  if (auto it = p.options.find("--token"); it != p.options.end()) out.options.token = it->second;
  if (!out.options.config_path.empty() && !out.options.url.empty()) {
    return usage_error("--config and --url exclude each other");
  }
  if (!out.options.url.empty() && out.options.url.rfind("http://", 0) != 0 &&
      out.options.url.rfind("https://", 0) != 0) {
    return usage_error("--url \"" + out.options.url + "\" must start with http:// or https://");
  }
  if (p.words.empty()) {
    return usage_error(
        "expected a verb: devices, users, reports, audit, rules, policies, exemptions");
  }
  const std::string& area = p.words[0];
  Result<ApiCall> call = usage_error("");
  if (area == "devices") call = devices_call(p);
  else if (area == "users") call = users_call(p);
  else if (area == "reports") call = reports_call(p);
  else if (area == "audit") call = audit_call(p);
  else if (area == "rules") call = rules_call(p);
  else if (area == "policies") call = policies_call(p);
  else if (area == "exemptions") call = exemptions_call(p);
  else return usage_error("unknown verb \"" + area +
                          "\" (expected devices, users, reports, audit, rules, policies, "
                          "exemptions)");
  if (!call.is_ok()) return call.status();
  out.call = std::move(*call);
  return out;
}

}  // namespace easgate
