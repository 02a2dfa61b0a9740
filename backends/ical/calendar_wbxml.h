#pragma once
// EasCalendarItem / EasTaskItem <-> the children of airsync:ApplicationData (MS-ASCAL
// 2.2.2, MS-ASTASK 2.2.2), gated by protocol version: AttendeeStatus/Type from 12.0,
// airsyncbase:Body from 12.0 (calendar:Body in 2.5), ResponseRequested/
// AppointmentReplyTime/ResponseType/DisallowNewTimeProposal from 14.0, FirstDayOfWeek and
// online-meeting links from 14.1, airsyncbase:Location, ClientUid and InstanceId from 16.0.
// Thread-safe.

#include "backends/ical/eas_calendar_types.h"
#include "gateway/core/status.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate::ical {

// Appends the item's elements to `application_data` (an airsync:ApplicationData element).
void to_wbxml(const EasCalendarItem& item, ProtocolVersion version, WbxmlElement& application_data);
void to_wbxml(const EasTaskItem& item, ProtocolVersion version, WbxmlElement& application_data);

// Reads a client's ApplicationData; Status::malformed for a bad number, date or blob.
// Elements of other versions are accepted (clients are not strict about them).
Result<EasCalendarItem> calendar_from_wbxml(const WbxmlElement& application_data,
                                            ProtocolVersion version);
Result<EasTaskItem> task_from_wbxml(const WbxmlElement& application_data, ProtocolVersion version);

}  // namespace easgate::ical
