#pragma once
// Provision (MS-ASPROV 3.2.5.1): both phases for 12.0–16.1 (EASProvisionDoc WBXML) and
// 2.5 (MS-WAP-Provisioning-XML text), remote wipe and account-only wipe delivery and
// acknowledgement, partial acknowledgements against AllowNonProvisionableDevices.

#include <string>

#include "gateway/commands/command_handler.h"
#include "gateway/eas/wbxml/wbxml_element.h"
#include "rules/policy/provisioning_policy.h"

namespace easgate {

class ProvisionHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

// <EASProvisionDoc> for `protocol_code` (12.0 gets only the settings it defines).
WbxmlElement eas_provision_doc(const ProvisioningPolicy& policy, uint8_t protocol_code);
// The 2.5 Data text (MS-ASPROV 2.2.2.24.2).
std::string wap_provisioning_xml(const ProvisioningPolicy& policy);

}  // namespace easgate
