#pragma once
// Shared helpers for the WBXML tests: fixture access and the libwbxml2 C API wrappers used
// as an independent reference implementation.

#include <string>
#include <string_view>
#include <vector>

namespace easgate::wbxml_test {

// Bytes of tests/data/<relative>; empty string when the file is missing (tests check).
std::string read_data_file(const std::string& relative);
// Sorted file names (not paths) in tests/data/<dir> ending with `suffix`.
std::vector<std::string> list_data_dir(const std::string& dir, std::string_view suffix);

// libwbxml2: WBXML -> compact XML with the given language ("ACTIVESYNC" or "AIRSYNC").
// Returns false (and the error text in *out) when libwbxml rejects the input.
bool libwbxml_to_xml(std::string_view wbxml, bool airsync_language, std::string* out);
// libwbxml2: XML -> WBXML 1.3, anonymous (public id 1), no string table; like
// `xml2wbxml -v 1.3 -a -n`.
bool libwbxml_from_xml(std::string_view xml, std::string* out);

// "03 01 6A 00 ..." for failure messages.
std::string hex(std::string_view bytes, size_t max = 64);

}  // namespace easgate::wbxml_test
