#include <array>

#include "gateway/config/sections.h"

namespace easgate {
namespace {

constexpr std::array<EnumName<ImapWatchMode>, 3> kWatchModes{{
    {"off", ImapWatchMode::kOff},
    {"idle", ImapWatchMode::kIdle},
    {"notify", ImapWatchMode::kNotify},
}};

}  // namespace

void parse_push_section(ConfigContext& ctx, const ConfigField& field, PushConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  m.string("endpoint_secret", Need::kOptional, &out->endpoint_secret);
  if (!out->endpoint_secret.empty() && out->endpoint_secret.size() < 16) {
    ctx.error(m.field("endpoint_secret", Need::kOptional, "").mark,
              m.path() + ".endpoint_secret", "too short (expected at least 16 characters)");
  }
  m.enumeration<ImapWatchMode>("imap_watch", Need::kOptional, kWatchModes, &out->imap_watch);
  m.duration("imap_watch_linger", Need::kOptional, std::chrono::seconds(0),
             std::chrono::hours(1), &out->imap_watch_linger);
  m.duration("poll_interval", Need::kOptional, std::chrono::seconds(0), std::chrono::hours(1),
             &out->poll_interval);
  m.duration("drain_timeout", Need::kOptional, std::chrono::seconds(1), std::chrono::minutes(5),
             &out->drain_timeout);
}

}  // namespace easgate
