#include "gateway/commands/settings.h"

#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"

namespace easgate {
namespace {

namespace st = tag::settings;

// MS-ASCMD 2.2.3.177.15 Settings Status.
constexpr int kSuccess = 1;
constexpr int kProtocolError = 2;
constexpr int kServerUnavailable = 4;
constexpr int kInvalidArguments = 5;

// MS-ASCMD 2.2.3.135: a recovery password is at most 16 characters.
constexpr size_t kMaxRecoveryPassword = 16;

void add_status(WbxmlElement& parent, int status) {
  parent.add_text(st::kStatus, std::to_string(status));
}

int set_device_information(RequestContext& r, const WbxmlElement& set) {
  DeviceInfo d;
  d.model = set.child_text(st::kModel);
  d.imei = set.child_text(st::kIMEI);
  d.friendly_name = set.child_text(st::kFriendlyName);
  d.os = set.child_text(st::kOS);
  d.os_language = set.child_text(st::kOSLanguage);
  d.phone_number = set.child_text(st::kPhoneNumber);
  d.mobile_operator = set.child_text(st::kMobileOperator);
  d.user_agent = set.child_text(st::kUserAgent);
  d.enable_outbound_sms = set.child_text(st::kEnableOutboundSMS) == "1";
  Status s = r.services.store->set_device_info({r.credentials.user, r.eas->device_id}, d);
  return s.is_ok() ? kSuccess : kServerUnavailable;
}

int set_device_password(RequestContext& r, const WbxmlElement& set) {
  const WbxmlElement* password = set.child(st::kPassword);
  if (!password || password->text().size() > kMaxRecoveryPassword) return kInvalidArguments;
  Status s = r.services.store->set_recovery_password({r.credentials.user, r.eas->device_id},
                                                     std::string(password->text()));
  return s.is_ok() ? kSuccess : kServerUnavailable;
}

void user_information(RequestContext& r, WbxmlElement& out) {
  add_status(out, kSuccess);
  WbxmlElement& get = out.add_child(st::kGet);
  const std::string& address = r.credentials.user;
  if (r.eas->version >= ProtocolVersion::v14_1()) {
    // MS-ASCMD 2.2.3.3: 14.1+ lists accounts; the primary address is the mailbox login.
    WbxmlElement& account = get.add_child(st::kAccounts).add_child(st::kAccount);
    account.add_child(st::kEmailAddresses).add_text(st::kPrimarySmtpAddress, address);
  } else {
    get.add_child(st::kEmailAddresses).add_text(st::kSMTPAddress, address);
  }
}

}  // namespace

void SettingsHandler::handle(std::shared_ptr<RequestContext> request) {
  RequestContext& r = *request;
  WbxmlDocument doc;
  doc.root = WbxmlElement(st::kSettings);
  if (!r.body || !r.body->root.is(st::kSettings)) {
    add_status(doc.root, kProtocolError);
    r.reply_wbxml(doc, kProtocolError);
    return;
  }
  add_status(doc.root, kSuccess);
  for (const WbxmlElement& part : r.body->root.children()) {
    if (part.is(st::kDeviceInformation)) {
      const WbxmlElement* set = part.child(st::kSet);
      add_status(doc.root.add_child(st::kDeviceInformation),
                 set ? set_device_information(r, *set) : kProtocolError);
    } else if (part.is(st::kDevicePassword)) {
      const WbxmlElement* set = part.child(st::kSet);
      add_status(doc.root.add_child(st::kDevicePassword),
                 set ? set_device_password(r, *set) : kProtocolError);
    } else if (part.is(st::kUserInformation)) {
      user_information(r, doc.root.add_child(st::kUserInformation));
    } else if (part.is(st::kOof)) {
      // Out-of-office needs the ManageSieve backend (a later issue). MS-ASCMD 2.2.3.177.15
      // gives the Oof element the Settings status table; 4 "Server unavailable" is the one
      // that says the server cannot serve the request now (not 3 "Access denied", which
      // would tell the user they lack a right, nor 2, which blames the client's XML).
      add_status(doc.root.add_child(st::kOof), kServerUnavailable);
    } else if (part.is(st::kRightsManagementInformation)) {
      add_status(doc.root.add_child(st::kRightsManagementInformation), kServerUnavailable);
    }
  }
  log_debug("settings").msg("settings served").kv("user", r.credentials.user)
      .kv("device_id", r.eas->device_id);
  r.reply_wbxml(doc, kSuccess);
}

}  // namespace easgate
