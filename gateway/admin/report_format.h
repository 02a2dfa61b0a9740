#pragma once
// Listings (devices, users, wipes, rules, audit) as aligned text tables, RFC 4180 CSV or
// JSON. A listing is a JSON array of objects plus the columns people see; JSON output keeps
// every member (nested ones too), table and CSV show the listed columns in order.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/admin/json.h"

namespace easgate {

// How a list, show or report is printed (`--format`, `?format=`).
enum class OutputFormat : uint8_t {
  kTable,  // aligned columns for a terminal
  kCsv,    // RFC 4180: CRLF line ends, quotes doubled, header row
  kJson,   // the API's JSON, pretty-printed
};

const char* output_format_name(OutputFormat format);
// "table" | "csv" | "json"; false (and *out untouched) otherwise.
bool parse_output_format(std::string_view name, OutputFormat* out);

// One column of a table or CSV rendering.
struct ReportColumn {
  std::string key;     // member of each row object (JSON) shown in this column
  std::string header;  // column title in tables (CSV headers use `key`)
};

// A value as a table/CSV cell: strings as they are, numbers in decimal, booleans "yes"/"no",
// null "", arrays and objects as compact JSON.
std::string json_cell_text(const JsonValue& value);

// RFC 4180 section 2: a field with comma, quote, CR or LF is quoted and quotes are doubled;
// records end in CRLF; the first record is the header.
std::string render_csv(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows);
// Columns padded to the widest cell (counted in code points), two spaces apart, a dashed
// rule under the header. Control characters in cells are shown as '?' so device-supplied
// text (FriendlyName, User-Agent) cannot move an admin's terminal cursor.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

// Renders `rows` (a JSON array of objects) in `format`.
std::string render_listing(const std::vector<ReportColumn>& columns, const JsonValue& rows,
                           OutputFormat format);
// Renders one object as a two-column FIELD/VALUE table or CSV (every member, in order), or
// as JSON.
std::string render_record(const JsonValue& record, OutputFormat format);

// MIME type of a rendering, for HTTP responses.
const char* output_format_content_type(OutputFormat format);

}  // namespace easgate
