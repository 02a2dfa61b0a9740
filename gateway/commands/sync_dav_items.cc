#include "gateway/commands/sync_dav_items.h"

#include "backends/ical/calendar_wbxml.h"
#include "backends/ical/ical_calendar.h"
#include "backends/vcard/contact_wbxml.h"
#include "backends/vcard/eas_contact.h"
#include "gateway/commands/sync_dav.h"
#include "gateway/commands/sync_dav_notes.h"
#include "gateway/eas/wbxml/tags.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/folder_hierarchy.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;

ical::ConversionContext ical_context(const DavItemContext& c) {
  ical::ConversionContext ctx;
  ctx.version = c.version;
  ctx.user_email = c.user_email;
  return ctx;
}

// A Calendar item the FilterType keeps: MS-ASCMD 2.2.3.69.2 counts calendar windows
// backwards from now on the end time; a series is kept while it may still recur.
bool calendar_in_window(const ical::EasCalendarItem& item, int64_t since) {
  if (since == 0) return true;
  if (item.recurrence) {
    if (item.recurrence->until) return *item.recurrence->until >= since;
    return true;  // open-ended or counted series: may still have occurrences in the window
  }
  return item.end_time >= since;
}

}  // namespace

std::vector<DavClientCommand> dav_client_commands(const WbxmlDocument& body,
                                                  std::string_view collection_id) {
  std::vector<DavClientCommand> out;
  const WbxmlElement* collections = body.root.child(as::kCollections);
  if (!collections) return out;
  for (const WbxmlElement* c : collections->children_named(as::kCollection)) {
    if (c->child_text(as::kCollectionId) != collection_id) continue;
    const WbxmlElement* commands = c->child(as::kCommands);
    if (!commands) return out;
    for (const WbxmlElement& cmd : commands->children()) {
      DavClientCommand d;
      if (cmd.is(as::kAdd)) d.kind = DavClientCommand::Kind::kAdd;
      else if (cmd.is(as::kChange)) d.kind = DavClientCommand::Kind::kChange;
      else if (cmd.is(as::kDelete) || cmd.is(as::kSoftDelete)) d.kind = DavClientCommand::Kind::kDelete;
      else if (cmd.is(as::kFetch)) d.kind = DavClientCommand::Kind::kFetch;
      else continue;
      d.server_id = std::string(cmd.child_text(as::kServerId));
      d.client_id = std::string(cmd.child_text(as::kClientId));
      if (const WbxmlElement* a = cmd.child(as::kApplicationData)) d.application_data = *a;
      out.push_back(std::move(d));
    }
    return out;
  }
  return out;
}

Result<std::string> dav_body_from_client(const DavItemContext& context,
                                         const WbxmlElement& application_data,
                                         const std::optional<std::string>& original,
                                         const std::string& uid) {
  auto ctx = ical_context(context);
  switch (context.kind) {
    case CollectionKind::kCalendar: {
      auto item = ical::calendar_from_wbxml(application_data, context.version);
      if (!item.is_ok()) return item.status();
      if (original) {
        // A Change carries no UID (MS-ASCAL 2.2.2.46 is server-assigned): keep the object's.
        if (auto was = ical::calendar_item_from_ical(*original, ctx); was.is_ok()) {
          item->uid = was->uid;
          // OrganizerEmail/OrganizerName are server-supplied (16.x devices never send them):
          // a Change without them keeps the organizer rather than dropping ORGANIZER.
          if (item->organizer_email.empty()) {
            item->organizer_email = was->organizer_email;
            item->organizer_name = was->organizer_name;
          }
        }
      } else if (item->uid.empty()) {
        item->uid = item->client_uid.value_or(uid);
        if (item->uid.empty()) item->uid = uid;
      }
      // A meeting the device made (attendees, no organizer named) is organized by the user:
      // MS-ASCAL 2.2.2.29 MeetingStatus 1, and RFC 5545 3.8.4.3 wants ORGANIZER with attendees.
      if (item->organizer_email.empty() && !item->attendees.empty() &&
          (item->meeting_status & 2) == 0) {
        item->organizer_email = context.user_email;
      }
      return ical::ical_from_calendar_item(*item, original, ctx);
    }
    case CollectionKind::kTasks: {
      auto item = ical::task_from_wbxml(application_data, context.version);
      if (!item.is_ok()) return item.status();
      if (original) {
        if (auto was = ical::task_item_from_ical(*original, ctx); was.is_ok()) item->uid = was->uid;
      } else if (item->uid.empty()) {
        item->uid = uid;
      }
      return ical::ical_from_task_item(*item, original, ctx);
    }
    case CollectionKind::kContacts: {
      auto contact = vcard::contact_from_wbxml(application_data, context.version);
      if (!contact.is_ok()) return contact.status();
      vcard::VcardWriteOptions options;
      options.uid = uid;
      return vcard::vcard_from_contact(*contact, original, options);
    }
    case CollectionKind::kNotes:
      return note_from_client(application_data, original, uid, context.now);
  }
  return Status::unsupported("unknown collection kind");
}

Result<bool> dav_item_to_client(const DavItemContext& context, std::string_view body,
                                 WbxmlElement& application_data) {
  auto ctx = ical_context(context);
  switch (context.kind) {
    case CollectionKind::kCalendar: {
      auto item = ical::calendar_item_from_ical(body, ctx);
      if (!item.is_ok()) return item.status();
      if (!calendar_in_window(*item, context.since)) return false;
      ical::to_wbxml(*item, context.version, application_data);
      return true;
    }
    case CollectionKind::kTasks: {
      auto item = ical::task_item_from_ical(body, ctx);
      if (!item.is_ok()) return item.status();
      if (context.incomplete_tasks_only && item->complete) return false;
      ical::to_wbxml(*item, context.version, application_data);
      return true;
    }
    case CollectionKind::kContacts: {
      auto contact = vcard::contact_from_vcard(body);
      if (!contact.is_ok()) return contact.status();
      vcard::to_wbxml(*contact, context.version, application_data);
      return true;
    }
    case CollectionKind::kNotes: {
      if (Status s = note_to_client(body, application_data); !s) return s;
      return true;
    }
  }
  return Status::unsupported("unknown collection kind");
}

std::optional<CollectionKind> dav_kind_for_folder_type(int folder_type) {
  switch (folder_type) {
    case kFolderTypeCalendar:
    case kFolderTypeUserCalendar: return CollectionKind::kCalendar;
    case kFolderTypeContacts:
    case kFolderTypeUserContacts: return CollectionKind::kContacts;
    case kFolderTypeTasks:
    case kFolderTypeUserTasks: return CollectionKind::kTasks;
    case kFolderTypeNotes:
    case kFolderTypeUserNotes: return CollectionKind::kNotes;
    default: return std::nullopt;
  }
}

std::optional<DavCollectionTarget> dav_target_for_folder(const FolderEntry& folder,
                                                         const SyncCollectionRequest& request,
                                                         int64_t now) {
  constexpr std::string_view kDavRef = "dav:";
  auto kind = dav_kind_for_folder_type(folder.type);
  if (!kind || folder.backend_ref.rfind(kDavRef, 0) != 0) return std::nullopt;
  DavCollectionTarget target;
  target.href = folder.backend_ref.substr(kDavRef.size());
  target.kind = *kind;
  // MS-ASCMD 2.2.3.69.2 FilterType: Calendar takes 4 (two weeks) .. 7 (six months) back
  // from now, Tasks takes 8 (incomplete only); other values mean "all" for these classes.
  constexpr int64_t kDay = 86400;
  if (*kind == CollectionKind::kCalendar) {
    int64_t back = 0;
    switch (request.filter_type) {
      case 4: back = 14 * kDay; break;
      case 5: back = 31 * kDay; break;
      case 6: back = 92 * kDay; break;
      case 7: back = 183 * kDay; break;
      default: break;
    }
    if (back > 0) target.since = now - back;
  }
  if (*kind == CollectionKind::kTasks) target.incomplete_tasks_only = request.filter_type == 8;
  return target;
}

std::string_view dav_class_name(CollectionKind kind) {
  switch (kind) {
    case CollectionKind::kCalendar: return "Calendar";
    case CollectionKind::kTasks: return "Tasks";
    case CollectionKind::kContacts: return "Contacts";
    case CollectionKind::kNotes: return "Notes";
  }
  return "Calendar";
}

std::string_view dav_content_type(CollectionKind kind) {
  return kind == CollectionKind::kContacts ? "text/vcard; charset=utf-8"
                                           : "text/calendar; charset=utf-8";
}

std::string_view dav_extension(CollectionKind kind) {
  return kind == CollectionKind::kContacts ? ".vcf" : ".ics";
}

}  // namespace easgate
