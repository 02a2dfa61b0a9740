#pragma once
// Conversions of the DAV sync engine: a member's iCalendar / vCard text <-> the
// ApplicationData of a Calendar, Tasks, Contacts or Notes item, and the FilterType test. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/collection_store.h"
#include "gateway/core/status.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// One client command of a DAV collection, in request order (the Email-centred
// SyncCollectionRequest does not keep ApplicationData, so the engine reads it here).
struct DavClientCommand {
  // Which command.
  enum class Kind : uint8_t {
    kAdd,     // Add: ClientId + ApplicationData
    kChange,  // Change: ServerId + ApplicationData
    kDelete,  // Delete: ServerId
    kFetch,   // Fetch: ServerId
  };
  // Which command.
  Kind kind = Kind::kAdd;
  // AirSync:ServerId (Change, Delete, Fetch).
  std::string server_id;
  // AirSync:ClientId (Add).
  std::string client_id;
  // AirSync:ApplicationData (Add, Change); empty element otherwise.
  WbxmlElement application_data;
};

// The commands of the Collection `collection_id` in a Sync request body.
std::vector<DavClientCommand> dav_client_commands(const WbxmlDocument& body,
                                                  std::string_view collection_id);

// How to read and write items for one request.
struct DavItemContext {
  // What the collection holds.
  CollectionKind kind = CollectionKind::kCalendar;
  // The client's protocol version.
  ProtocolVersion version;
  // The mailbox owner (decides organizer vs. attendee in calendar items).
  std::string user_email;
  // Calendar FilterType cutoff (epoch seconds); 0: all.
  int64_t since = 0;
  // Tasks FilterType 8: incomplete only.
  bool incomplete_tasks_only = false;
  // Wall clock (epoch seconds) stamped into a note's LAST-MODIFIED on a client write.
  int64_t now = 0;
};

// The member text for a client Add (`original` empty; `uid` names the new object) or
// Change (`original` is the server's current text, merged into so that what EAS does not
// carry survives). kMalformed / kInvalidArgument when the ApplicationData cannot be read.
[[nodiscard]] Result<std::string> dav_body_from_client(const DavItemContext& context,
                                                       const WbxmlElement& application_data,
                                                       const std::optional<std::string>& original,
                                                       const std::string& uid);

// Appends the item's elements to `application_data`. Returns false (nothing appended)
// when the FilterType excludes it; kMalformed when the text cannot be read.
[[nodiscard]] Result<bool> dav_item_to_client(const DavItemContext& context, std::string_view body,
                                              WbxmlElement& application_data);

// "Calendar", "Contacts", "Tasks" or "Notes": the AirSync:Class of the collection.
std::string_view dav_class_name(CollectionKind kind);
// "text/calendar; charset=utf-8" or "text/vcard; charset=utf-8".
std::string_view dav_content_type(CollectionKind kind);
// ".ics" or ".vcf".
std::string_view dav_extension(CollectionKind kind);

}  // namespace easgate
