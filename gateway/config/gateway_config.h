#pragma once
// The gateway's configuration as immutable, validated values. load_config() (config_loader.h)
// is the only producer: every field here has passed range, type and cross-field checks, so
// consumers use the values as they are. Paths are already env-expanded and absolute
// (relative ones are resolved against the config file's folder).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config/governance_config.h"
#include "gateway/config/directory_config.h"
#include "gateway/config/push_config.h"
#include "gateway/core/log.h"

namespace easgate {

using Duration = std::chrono::milliseconds;

// What a listener serves.
enum class ListenerRole : uint8_t {
  kEas,    // EAS (Microsoft-Server-ActiveSync, Autodiscover) for devices
  kAdmin,  // admin JSON API, web page and /metrics
};

// TLS files of a listener; both are PEM files that existed when the config was checked.
struct ListenerTls {
  std::string cert_file;  // certificate chain (PEM), absolute path
  std::string key_file;   // private key (PEM), absolute path
};

struct ListenerSettings {
  std::string name;                // unique label, used in logs and the connections_open metric
  std::string address;             // IPv4 or IPv6 literal to bind ("0.0.0.0", "::", "127.0.0.1")
  uint16_t port = 0;               // TCP port 1..65535, unique per address
  std::optional<ListenerTls> tls;  // absent: plain HTTP
  ListenerRole role = ListenerRole::kEas;  // what this listener serves
};

// Per-connection limits; a request over a limit is answered 413/408 and the connection closed.
struct ServerLimits {
  uint64_t max_header_bytes = 64 * 1024;         // request line + headers
  uint64_t max_body_bytes = 64ull * 1024 * 1024;  // request body (SendMail carries attachments)
  Duration header_timeout{std::chrono::seconds(15)};  // to receive the complete header block
  Duration body_timeout{std::chrono::seconds(120)};   // to receive the complete body
  Duration idle_timeout{std::chrono::minutes(5)};     // keep-alive gap between requests
  Duration write_timeout{std::chrono::seconds(60)};   // a response write making no progress
};

struct ServerConfig {
  unsigned workers = 1;                     // event-loop threads; default = CPU cores
  std::vector<ListenerSettings> listeners;    // at least one with role eas
  ServerLimits limits;                      // applied to every listener
};

struct AuthConfig {
  std::string default_domain;  // appended to logins without '@' ("" = logins used as given)
  Duration cache_ttl{std::chrono::minutes(5)};  // verified-credential cache lifetime, 0 = off
};

// Transport security towards a backend.
enum class BackendTls : uint8_t {
  kNone,      // plain TCP (dev / loopback only)
  kStartTls,  // plain connect, then STARTTLS (RFC 3501 6.2.1, RFC 3207, RFC 5804 2.2)
  kImplicit,  // TLS from the first byte (IMAPS 993, SMTPS 465)
};

struct ImapPoolConfig {
  unsigned max_per_user = 4;        // open connections per user (Ping + Sync + fetch)
  unsigned max_total = 1000;        // open connections in all
  Duration idle_timeout{std::chrono::minutes(5)};  // idle pooled connection is closed after
};

struct ImapBackendConfig {
  std::string host;                 // hostname or IP literal
  uint16_t port = 143;              // default 143, or 993 with tls implicit
  BackendTls tls = BackendTls::kStartTls;  // transport security
  Duration connect_timeout{std::chrono::seconds(10)};  // TCP + TLS + greeting
  Duration command_timeout{std::chrono::seconds(60)};  // one tagged command's completion
  ImapPoolConfig pool;              // connection reuse
};

struct SmtpBackendConfig {
  std::string host;                 // submission server
  uint16_t port = 587;              // default 587 (RFC 6409), or 465 with tls implicit
  BackendTls tls = BackendTls::kStartTls;  // transport security
  Duration timeout{std::chrono::seconds(60)};  // per SMTP reply
};

// Which login the DAV server expects.
enum class DavLogin : uint8_t {
  kFull,       // "alice@example.test"
  kLocalPart,  // "alice" (Radicale's default htpasswd users)
};

struct DavBackendConfig {
  std::string base_url;             // http(s)://host:port[/prefix], no trailing slash
  DavLogin login = DavLogin::kFull;  // user name sent to the DAV server
  Duration timeout{std::chrono::seconds(30)};  // per HTTP request
  // Principal URL path with "{user}" replaced by the DAV login; "" = discover it through
  // /.well-known/caldav|carddav and current-user-principal (RFC 6764 section 6, RFC 5397).
  std::string principal_path;
};

struct SieveBackendConfig {
  std::string host;                 // ManageSieve server
  uint16_t port = 4190;             // RFC 5804 default port
  BackendTls tls = BackendTls::kStartTls;  // kImplicit is rejected: RFC 5804 has no implicit TLS
  Duration timeout{std::chrono::seconds(30)};  // per command
};

struct BackendsConfig {
  ImapBackendConfig imap;                  // required: mail
  SmtpBackendConfig smtp;                  // required: sending
  std::optional<DavBackendConfig> dav;     // absent: no calendar, contacts, tasks
  std::optional<SieveBackendConfig> sieve;  // absent: no out-of-office (Settings OOF)
};

// Where sync bookkeeping lives.
enum class StoreDriver : uint8_t {
  kSqlite,    // embedded SQLite file (WAL)
  kPostgres,  // shared PostgreSQL (not supported yet; rejected by the checker)
};

struct StoreConfig {
  StoreDriver driver = StoreDriver::kSqlite;  // backend for the state store
  std::string path;                           // SQLite database file, absolute path
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;  // minimum level written
  std::string file;                  // absolute path; "" = stderr
  bool request_log = true;           // one line per EAS request
};

struct AdminConfig {
  std::string token;       // bearer token for the admin API (read from token_file if given)
  std::string token_file;  // absolute path the token came from; "" when given inline
};

struct PingConfig {
  // MS-ASCMD 2.2.3.88.1: valid HeartbeatInterval values are implementation-specific;
  // Exchange accepts 60..3540 s and answers Status 5 with the bound otherwise.
  Duration min_heartbeat{std::chrono::seconds(60)};    // shortest accepted interval
  Duration max_heartbeat{std::chrono::seconds(3540)};  // longest accepted interval
  unsigned max_folders = 300;  // MS-ASCMD 2.2.3.102 MaxFolders: Status 6 above this
};

struct EasConfig {
  // Advertised in the OPTIONS header MS-ASProtocolVersions (MS-ASHTTP 2.2.4.1.2.2), ascending.
  std::vector<std::string> protocol_versions{"2.5", "12.0", "12.1", "14.0", "14.1", "16.0", "16.1"};
  PingConfig ping;  // Direct Push bounds
};

struct GatewayConfig {
  std::string source_path;  // the config file this came from
  ServerConfig server;      // listeners, workers, limits
  AuthConfig auth;          // credential handling
  BackendsConfig backends;  // mailbox backends
  StoreConfig store;        // state store
  LogConfig log;            // logging
  AdminConfig admin;        // admin API access
  EasConfig eas;            // protocol knobs
  GovernanceConfig governance;  // device access, policies, enablement, throttling
  PushConfig push;          // change notification for held requests
  DirectoryConfig directory;  // where the GAL comes from
};

const char* listener_role_name(ListenerRole role);
const char* backend_tls_name(BackendTls tls);

}  // namespace easgate
