#pragma once
// easgate-admin's command line -> one admin API call. Pure (no I/O), so every usage error
// is unit-tested. Verbs mirror the Exchange cmdlets admins know:
//   devices list [--user U]                      Get-ActiveSyncDevice
//   devices show U D                             Get-ActiveSyncDeviceStatistics
//   devices approve|allow|block|quarantine U D [--reason TEXT]
//   devices wipe U D [--account-only]            Clear-MobileDevice [-AccountOnly]
//   devices cancel-wipe U D                      Clear-MobileDevice -Cancel
//   devices clear-wipe U D                       let a wiped device back (re-provisions)
//   devices remove U D [--force]                 Remove-MobileDevice
//   users list | show U | enable U | disable U [--reason TEXT]   Set-CASMailbox
//   reports devices|users|wipes
//   audit [--since TIME] [--limit N]
//   rules list | remove NAME | add|test NAME --action A --match COND[,COND] [--position N]
//   policies list | show NAME | assign|unassign NAME USER | assign|unassign NAME --group G
//   exemptions list [--user U] | allow|block U D [--reason TEXT] | remove U D
// A device is "USER DEVICE" or "USER/DEVICE". Options may come before or after the verb.

#include <string>
#include <vector>

#include "gateway/admin/report_format.h"
#include "gateway/core/status.h"

namespace easgate {

// Where the CLI sends its request and how it prints the answer.
struct CliOptions {
  std::string config_path;  // --config FILE: the gateway's YAML (admin listener, token)
  std::string url;          // --url URL: admin listener base URL, e.g. http://127.0.0.1:19464
  std::string token;        // --token TOKEN (or $EASGATE_ADMIN_TOKEN)
  OutputFormat format = OutputFormat::kTable;  // --format
};

// One admin API request.
struct ApiCall {
  std::string method;   // "GET", "POST", "DELETE"
  std::string path;     // percent-encoded, e.g. "/api/devices/alice%40x/ABC/block"
  std::string query;    // encoded query without '?' (format= is added by the client)
  std::string body;     // JSON body for POST ("" for none)
  bool listing = false;  // true: the answer is a rendering to print as is (GET)
};

struct CliCommand {
  bool help = false;   // --help / help: print usage, exit 0
  CliOptions options;  // connection and output
  ApiCall call;        // what to ask (unset when help)
};

// Parses argv[1..]. A usage problem is kInvalidArgument with one precise line (without the
// program name), e.g. "devices block: expected USER DEVICE or USER/DEVICE".
Result<CliCommand> parse_cli(const std::vector<std::string>& args);

// The usage text printed by --help and after usage errors.
const char* cli_usage();

}  // namespace easgate
