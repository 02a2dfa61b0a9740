#pragma once
// Test helpers: readable doctest output for EAS structs (their WBXML as XML).
#include <doctest/doctest.h>

#include "backends/ical/calendar_wbxml.h"
#include "gateway/eas/wbxml/wbxml_xml.h"

namespace doctest {
template <>
struct StringMaker<easgate::ical::EasCalendarItem> {
  static String convert(const easgate::ical::EasCalendarItem& item) {
    easgate::WbxmlElement ad(easgate::tag::air_sync::kApplicationData);
    easgate::ical::to_wbxml(item, easgate::ProtocolVersion::v16_1(), ad);
    std::string s = "\n" + easgate::to_xml(ad);
    if (item.recurrence_lossy) s += "(recurrence_lossy)";
    return String(s.c_str());
  }
};
template <>
struct StringMaker<easgate::ical::EasTaskItem> {
  static String convert(const easgate::ical::EasTaskItem& item) {
    easgate::WbxmlElement ad(easgate::tag::air_sync::kApplicationData);
    easgate::ical::to_wbxml(item, easgate::ProtocolVersion::v16_1(), ad);
    return String(("\n" + easgate::to_xml(ad) + " uid=" + item.uid).c_str());
  }
};
}  // namespace doctest
