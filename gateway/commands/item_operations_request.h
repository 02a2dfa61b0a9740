#pragma once
// The wire side of ItemOperations (MS-ASCMD 2.2.1.10): the request's operations parsed into
// plain structs, and the multipart response framing (MS-ASCMD 2.2.2.10.1 / MS-ASHTTP
// MS-ASAcceptMultiPart). Pure and synchronous; fuzzed by tests/fuzz/mail_query_fuzz.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/commands/search_query.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// ItemOperations Status values (MS-ASCMD 2.2.3.177.8).
enum ItemOperationsStatus : int {
  kItemOpsSuccess = 1,            // done
  kItemOpsProtocolError = 2,      // malformed operation (e.g. two identifiers in one Fetch)
  kItemOpsServerError = 3,        // the backend failed
  kItemOpsNotFound = 6,           // the item or folder does not exist (any more)
  kItemOpsBadByteRange = 8,       // Range starts past the end of the data
  kItemOpsStoreUnknown = 9,       // a Store other than Mailbox
  kItemOpsTooLarge = 11,          // larger than the policy's MaxAttachmentSize
  kItemOpsConversionFailed = 14,  // the item could not be converted
  kItemOpsBadAttachment = 15,     // FileReference malformed or naming no attachment
  kItemOpsBlocked = 16,           // policy AttachmentsEnabled=0 forbids attachment access
  kItemOpsPartial = 17,           // EmptyFolderContents emptied the folder, not all subfolders
  kItemOpsInvalidCombination = 105,  // Move to the recipient information cache (MS-ASCON 2.2.2.10)
  kItemOpsMoveAlwaysMissing = 155,   // Move without MoveAlways (MS-ASCMD 2.2.3.118)
  kItemOpsUnsupported = 156,      // Move to a folder that is not a mail folder (MS-ASCON 2.2.2.10)
};

// Which operation an element of the request is.
enum class ItemOperationKind : uint8_t {
  kFetch,                // Fetch (MS-ASCMD 2.2.3.67.1)
  kEmptyFolderContents,  // EmptyFolderContents (2.2.3.58)
  kMove,                 // Move of a conversation (2.2.3.117.1)
};

// How a Fetch names what it wants.
enum class FetchTarget : uint8_t {
  kNone,           // nothing usable named: Status 2
  kItem,           // airsync:CollectionId + airsync:ServerId
  kLongId,         // search:LongId of a Search result
  kFileReference,  // airsyncbase:FileReference of an attachment
};

// One operation of the request, in request order.
struct ItemOperation {
  ItemOperationKind kind = ItemOperationKind::kFetch;  // which operation
  int parse_status = kItemOpsSuccess;                  // not success: answered with this, never run
  // Fetch: the Store element's text ("Mailbox").
  std::string store;
  // Fetch: which identifier was given.
  FetchTarget target = FetchTarget::kNone;
  // Fetch kItem / EmptyFolderContents: airsync:CollectionId; Move: unused.
  std::string collection_id;
  // Fetch kItem: airsync:ServerId.
  std::string server_id;
  // Fetch kLongId: search:LongId.
  std::string long_id;
  // Fetch kFileReference: airsyncbase:FileReference.
  std::string file_reference;
  // Fetch: Options/Range (bytes of an attachment); none: all.
  std::optional<IndexRange> range;
  // Fetch: the Options element (BodyPreference, MIMESupport...), nullptr when absent;
  // points into the request document.
  const WbxmlElement* options = nullptr;
  // EmptyFolderContents: Options/DeleteSubFolders.
  bool delete_subfolders = false;
  // Move: ConversationId (raw bytes as sent).
  std::string conversation_id;
  // Move: DstFldId.
  std::string destination;
  // Move: Options/MoveAlways (MS-ASCMD 2.2.3.118): the conversation's future mail moves too.
  bool move_always = false;
};

// Operations of an ItemOperations element, in order; at most kMaxItemOperations (more
// are ignored; a device never batches that many).
inline constexpr size_t kMaxItemOperations = 100;
std::vector<ItemOperation> parse_item_operations(const WbxmlElement& root);

// Multipart response (MS-ASCMD 2.2.2.10.1): a little-endian int32 part count, then per part
// an int32 offset from the start of the response and an int32 length, then the parts. Part
// 0 is the WBXML document; the <Part>N</Part> elements in it name parts 1..N.
std::string encode_multipart(std::string_view wbxml, const std::vector<std::string>& parts);

}  // namespace easgate
