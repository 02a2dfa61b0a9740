#include "gateway/pipeline/quarantine_mail.h"

#include <ctime>
#include <random>

#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/worker_services.h"

namespace easgate {
namespace {

// Header values come from the request (DeviceType, User-Agent): strip CR/LF so a device
// cannot inject headers into the notice.
std::string header_safe(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
    if (out.size() >= 200) break;
  }
  return out;
}

std::string rfc5322_date(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

OutgoingMessage compose_quarantine_notice(const QuarantineNotice& n, const std::string& date,
                                          const std::string& message_id) {
  OutgoingMessage m;
  m.envelope_from = n.user;
  m.envelope_to.push_back(n.user);
  if (!n.admin_email.empty() && n.admin_email != n.user) m.envelope_to.push_back(n.admin_email);
  std::string to = n.user;
  if (m.envelope_to.size() > 1) to += ", " + n.admin_email;
  std::string& r = m.rfc822;
  r += "From: " + header_safe(n.from.empty() ? n.user : n.from) + "\r\n";
  r += "To: " + header_safe(to) + "\r\n";
  r += "Subject: Your device " + header_safe(n.device_type) + " is quarantined\r\n";
  r += "Date: " + date + "\r\n";
  r += "Message-ID: <" + message_id + ">\r\n";
  r += "MIME-Version: 1.0\r\n";
  r += "Content-Type: text/plain; charset=utf-8\r\n";
  r += "Auto-Submitted: auto-generated\r\n";
  r += "\r\n";
  r += "A mobile device connected to the mailbox " + header_safe(n.user) + "\r\n";
  r += "and is held in quarantine until an administrator allows it.\r\n\r\n";
  r += "Device ID:   " + header_safe(n.device_id) + "\r\n";
  r += "Device type: " + header_safe(n.device_type) + "\r\n";
  r += "User agent:  " + header_safe(n.user_agent) + "\r\n";
  r += "Reason:      " + header_safe(n.reason) + "\r\n\r\n";
  r += "Until then the device shows only this notice in its Inbox.\r\n";
  return m;
}

void send_quarantine_notice(WorkerServices& services, const Credentials& credentials,
                            const QuarantineNotice& notice) {
  if (!services.mail_submitter) {
    services.metrics->record_degraded("quarantine_notice_no_submitter");
    log_warn("governance").msg("quarantine notice not sent: no mail submitter")
        .kv("user", notice.user).kv("device_id", notice.device_id);
    return;
  }
  static thread_local std::mt19937_64 random{std::random_device{}()};
  auto now = services.clock->wall_now();
  std::string message_id = "quarantine." + std::to_string(random()) + "@easgate";
  OutgoingMessage message = compose_quarantine_notice(notice, rfc5322_date(now), message_id);
  Metrics* metrics = services.metrics;
  std::string user = notice.user;
  std::string device_id = notice.device_id;
  services.mail_submitter->submit(
      credentials, std::move(message), [metrics, user, device_id](Status status) {
        if (status.is_ok()) {
          log_info("governance").msg("quarantine notice sent").kv("user", user)
              .kv("device_id", device_id);
          return;
        }
        metrics->record_degraded("quarantine_notice_failed");
        log_warn("governance").msg("quarantine notice not sent").kv("user", user)
            .kv("device_id", device_id).kv("error", status.to_string());
      });
}

}  // namespace easgate
