#include "gateway/config/sections.h"

#include <array>

namespace easgate {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<EnumName<BackendTls>, 3> kTlsModes{{
    {"none", BackendTls::kNone},
    {"starttls", BackendTls::kStartTls},
    {"implicit", BackendTls::kImplicit},
}};

constexpr std::array<EnumName<DavLogin>, 2> kDavLogins{{
    {"full", DavLogin::kFull},
    {"local_part", DavLogin::kLocalPart},
}};

bool host_ok(ConfigContext& ctx, MapReader& m, std::string* out) {
  if (!m.string("host", Need::kRequired, out)) return false;
  if (out->empty() || out->find_first_of(" /\t") != std::string::npos) {
    ctx.error(m.field("host", Need::kOptional, "").mark, m.path() + ".host",
              "\"" + out->substr(0, 60) + "\" is not a host name (expected a DNS name or IP)");
    return false;
  }
  return true;
}

// tls first: the default port depends on it (the port is optional).
void tls_and_port(MapReader& m, BackendTls* tls, uint16_t* port, uint16_t plain_port,
                  uint16_t implicit_port) {
  m.enumeration<BackendTls>("tls", Need::kOptional, kTlsModes, tls);
  *port = *tls == BackendTls::kImplicit ? implicit_port : plain_port;
  m.port("port", Need::kOptional, port);
}

void parse_imap(ConfigContext& ctx, const ConfigField& field, ImapBackendConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  host_ok(ctx, m, &out->host);
  tls_and_port(m, &out->tls, &out->port, 143, 993);  // RFC 3501 / RFC 8314 ports
  m.duration("connect_timeout", Need::kOptional, milliseconds(100), minutes(5),
             &out->connect_timeout);
  m.duration("command_timeout", Need::kOptional, seconds(1), hours(1), &out->command_timeout);
  MapReader pool(ctx, m.field("pool", Need::kOptional, "a map"));
  if (!pool.valid()) return;
  pool.unsigned_value("max_per_user", Need::kOptional, 1, 64, &out->pool.max_per_user);
  pool.unsigned_value("max_total", Need::kOptional, 1, 1'000'000, &out->pool.max_total);
  pool.duration("idle_timeout", Need::kOptional, seconds(1), hours(24), &out->pool.idle_timeout);
  if (out->pool.max_per_user > out->pool.max_total) {
    ctx.error(pool.field("max_per_user", Need::kOptional, "").mark, pool.path() + ".max_per_user",
              std::to_string(out->pool.max_per_user) + " is larger than max_total " +
                  std::to_string(out->pool.max_total));
  }
}

void parse_smtp(ConfigContext& ctx, const ConfigField& field, SmtpBackendConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  host_ok(ctx, m, &out->host);
  tls_and_port(m, &out->tls, &out->port, 587, 465);  // RFC 6409 / RFC 8314 ports
  m.duration("timeout", Need::kOptional, seconds(1), hours(1), &out->timeout);
}

void parse_dav(ConfigContext& ctx, const ConfigField& field, std::optional<DavBackendConfig>* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  DavBackendConfig dav;
  ConfigField url = m.field("base_url", Need::kRequired, "an http:// or https:// URL");
  if (url.present && read_string(ctx, url, &dav.base_url)) {
    const bool scheme_ok = dav.base_url.rfind("http://", 0) == 0 ||
                           dav.base_url.rfind("https://", 0) == 0;
    const size_t host_start = dav.base_url.find("://") + 3;
    if (!scheme_ok || host_start >= dav.base_url.size() ||
        dav.base_url.find_first_of(" \t") != std::string::npos) {
      ctx.error(url.mark, url.path,
                "\"" + dav.base_url.substr(0, 60) +
                    "\" is not a URL (expected http://host:port or https://host:port)");
    }
    while (!dav.base_url.empty() && dav.base_url.back() == '/') dav.base_url.pop_back();
  }
  m.enumeration<DavLogin>("login", Need::kOptional, kDavLogins, &dav.login);
  m.duration("timeout", Need::kOptional, seconds(1), hours(1), &dav.timeout);
  ConfigField principal = m.field("principal_path", Need::kOptional, "a path");
  if (principal.present && read_string(ctx, principal, &dav.principal_path) &&
      !dav.principal_path.empty() && dav.principal_path.front() != '/') {
    ctx.error(principal.mark, principal.path,
              "\"" + dav.principal_path.substr(0, 60) +
                  "\" must start with '/' (expected a path such as /{user}/)");
  }
  *out = std::move(dav);
}

void parse_sieve(ConfigContext& ctx, const ConfigField& field,
                 std::optional<SieveBackendConfig>* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  SieveBackendConfig sieve;
  host_ok(ctx, m, &sieve.host);
  ConfigField tls = m.field("tls", Need::kOptional, "none or starttls");
  tls_and_port(m, &sieve.tls, &sieve.port, 4190, 4190);
  if (sieve.tls == BackendTls::kImplicit) {
    // RFC 5804 2.2: ManageSieve negotiates TLS only through STARTTLS.
    ctx.error(tls.mark, tls.path, "\"implicit\" is not available for ManageSieve "
                                  "(expected none or starttls)");
  }
  m.duration("timeout", Need::kOptional, seconds(1), hours(1), &sieve.timeout);
  *out = std::move(sieve);
}

}  // namespace

void parse_backends_section(ConfigContext& ctx, const ConfigField& field, BackendsConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  parse_imap(ctx, m.field("imap", Need::kRequired, "a map with host"), &out->imap);
  parse_smtp(ctx, m.field("smtp", Need::kRequired, "a map with host"), &out->smtp);
  parse_dav(ctx, m.field("dav", Need::kOptional, "a map"), &out->dav);
  parse_sieve(ctx, m.field("sieve", Need::kOptional, "a map"), &out->sieve);
}

}  // namespace easgate
