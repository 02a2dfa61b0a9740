#include "gateway/config/sections.h"

#include <arpa/inet.h>

#include <array>

namespace easgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::hours;

constexpr std::array<EnumName<ListenerRole>, 2> kRoles{{
    {"eas", ListenerRole::kEas},
    {"admin", ListenerRole::kAdmin},
}};

bool is_ip_literal(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool is_wildcard(const std::string& address) { return address == "0.0.0.0" || address == "::"; }

// Two listeners collide when they share a port and either the address or one is a
// wildcard (binding "::" / "0.0.0.0" takes the port on every address).
bool collides(const ListenerSettings& a, const ListenerSettings& b) {
  return a.port == b.port &&
         (a.address == b.address || is_wildcard(a.address) || is_wildcard(b.address));
}

void parse_tls(ConfigContext& ctx, const ConfigField& field, std::optional<ListenerTls>* out) {
  MapReader tls(ctx, field);
  if (!tls.valid()) return;
  ListenerTls files;
  bool ok = tls.path_value("cert", Need::kRequired, true, "a PEM certificate file",
                           &files.cert_file);
  ok = tls.path_value("key", Need::kRequired, true, "a PEM private key file", &files.key_file) &&
       ok;
  if (ok) *out = std::move(files);
}

// Parses one listener; false when it is unusable for the duplicate checks.
bool parse_listener(ConfigContext& ctx, const ConfigField& item, ListenerSettings* out) {
  if (!item.present) {
    ctx.error(item.mark, item.path, "empty list item (expected a listener map)");
    return false;
  }
  MapReader l(ctx, item);
  if (!l.valid()) return false;
  bool ok = l.string("name", Need::kRequired, &out->name);
  if (ok && out->name.empty()) {
    ctx.error(l.field("name", Need::kOptional, "").mark, l.path() + ".name",
              "empty name (expected a label such as \"eas-https\")");
    ok = false;
  }
  ConfigField address = l.field("address", Need::kRequired, "an IPv4 or IPv6 address");
  if (address.present && read_string(ctx, address, &out->address)) {
    if (!is_ip_literal(out->address)) {
      ctx.error(address.mark, address.path,
                "\"" + out->address.substr(0, 60) +
                    "\" is not an IP address (expected an IPv4 or IPv6 literal such as "
                    "0.0.0.0, ::, 127.0.0.1)");
      ok = false;
    }
  } else {
    ok = false;
  }
  ok = l.port("port", Need::kRequired, &out->port) && ok;
  parse_tls(ctx, l.field("tls", Need::kOptional, "a map with cert and key"), &out->tls);
  l.enumeration<ListenerRole>("role", Need::kOptional, kRoles, &out->role);
  return ok;
}

void parse_limits(ConfigContext& ctx, const ConfigField& field, ServerLimits* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  m.byte_size("max_header_bytes", Need::kOptional, 1024, 1ull << 20, &out->max_header_bytes);
  m.byte_size("max_body_bytes", Need::kOptional, 1024, 4ull << 30, &out->max_body_bytes);
  m.duration("header_timeout", Need::kOptional, milliseconds(100), hours(1), &out->header_timeout);
  m.duration("body_timeout", Need::kOptional, milliseconds(100), hours(1), &out->body_timeout);
  m.duration("idle_timeout", Need::kOptional, seconds(1), hours(24), &out->idle_timeout);
  m.duration("write_timeout", Need::kOptional, milliseconds(100), hours(1), &out->write_timeout);
}

}  // namespace

void parse_server_section(ConfigContext& ctx, const ConfigField& field, ServerConfig* out) {
  MapReader server(ctx, field);
  out->workers = std::max(1u, ctx.env().hardware_threads);
  if (!server.valid()) return;
  server.unsigned_value("workers", Need::kOptional, 1, 256, &out->workers);

  ConfigField list = server.field("listeners", Need::kRequired, "a list of listeners");
  std::vector<ConfigField> items = sequence_items(ctx, list, "a list of listeners");
  if (list.present && list.node.IsSequence() && items.empty()) {
    ctx.error(list.mark, list.path, "empty list (expected at least one listener)");
  }
  std::vector<size_t> usable;  // indexes into out->listeners that parsed cleanly
  for (const ConfigField& item : items) {
    ListenerSettings listener;
    const bool ok = parse_listener(ctx, item, &listener);
    if (ok) {
      for (size_t prior : usable) {
        const ListenerSettings& other = out->listeners[prior];
        if (other.name == listener.name) {
          ctx.error(item.node["name"].Mark(), item.path + ".name",
                    "duplicate listener name \"" + listener.name + "\" (also " + list.path + "[" +
                        std::to_string(prior) + "])");
        }
        if (collides(other, listener)) {
          ctx.error(item.node["port"].Mark(), item.path + ".port",
                    "port " + std::to_string(listener.port) + " on " + listener.address +
                        " is already used by " + list.path + "[" + std::to_string(prior) +
                        "] \"" + other.name + "\" (" + other.address + ")");
        }
      }
      usable.push_back(out->listeners.size());
    }
    out->listeners.push_back(std::move(listener));
  }
  bool has_eas = false;
  for (const ListenerSettings& l : out->listeners) has_eas = has_eas || l.role == ListenerRole::kEas;
  if (!items.empty() && !has_eas) {
    ctx.error(list.mark, list.path, "no listener has role eas (devices could not connect)");
  }
  parse_limits(ctx, server.field("limits", Need::kOptional, "a map"), &out->limits);
}

}  // namespace easgate
