#pragma once
// One parser per top-level section, each in its own <name>_section.cc so later sections
// (device rules, policies) are new files, not edits to a big switch. Each fills its struct
// from the section's field (absent optional sections keep the defaults) and records every
// problem in `ctx`. Cross-section rules live in config_loader.cc.

#include "gateway/config/config_reader.h"
#include "gateway/config/gateway_config.h"

namespace easgate {

// `server:` — workers, listeners (names and address:port unique, TLS files exist), limits.
void parse_server_section(ConfigContext& ctx, const ConfigField& field, ServerConfig* out);
// `auth:` — default_domain, cache_ttl.
void parse_auth_section(ConfigContext& ctx, const ConfigField& field, AuthConfig* out);
// `backends:` — imap and smtp required, dav and sieve optional.
void parse_backends_section(ConfigContext& ctx, const ConfigField& field, BackendsConfig* out);
// `store:` — driver (postgres rejected until supported), path.
void parse_store_section(ConfigContext& ctx, const ConfigField& field, StoreConfig* out);
// `log:` — level, file, request_log.
void parse_log_section(ConfigContext& ctx, const ConfigField& field, LogConfig* out);
// `admin:` — token or token_file (read here).
void parse_admin_section(ConfigContext& ctx, const ConfigField& field, AdminConfig* out);
// `eas:` — protocol_versions, ping bounds.
void parse_eas_section(ConfigContext& ctx, const ConfigField& field, EasConfig* out);
// `governance:` — groups, policies, device_access, limits, throttle, notice addresses
// (governance_section.cc, policy_section.cc, device_access_section.cc).
void parse_governance_section(ConfigContext& ctx, const ConfigField& field,
                              GovernanceConfig* out);
// `push:` — endpoint_secret, imap_watch, poll_interval, drain_timeout (push_section.cc).
void parse_push_section(ConfigContext& ctx, const ConfigField& field, PushConfig* out);
// `directory:` — carddav.href, max_results (directory_section.cc).
void parse_directory_section(ConfigContext& ctx, const ConfigField& field, DirectoryConfig* out);

}  // namespace easgate
