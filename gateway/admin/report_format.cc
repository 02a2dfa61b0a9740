#include "gateway/admin/report_format.h"

#include <algorithm>

namespace easgate {
namespace {

// Code points in valid-or-not UTF-8 (continuation bytes do not count).
size_t display_width(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string terminal_safe(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return out;
}

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::vector<std::vector<std::string>> cells_of(const std::vector<ReportColumn>& columns,
                                               const JsonValue& rows) {
  std::vector<std::vector<std::string>> out;
  out.reserve(rows.size());
  for (const JsonValue& row : rows.as_array()) {
    std::vector<std::string> cells;
    cells.reserve(columns.size());
    for (const ReportColumn& c : columns) {
      const JsonValue* v = row.find(c.key);
      cells.push_back(v ? json_cell_text(*v) : std::string());
    }
    out.push_back(std::move(cells));
  }
  return out;
}

}  // namespace

const char* output_format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable: return "table";
    case OutputFormat::kCsv: return "csv";
    case OutputFormat::kJson: return "json";
  }
  return "table";
}

bool parse_output_format(std::string_view name, OutputFormat* out) {
  if (name == "table") *out = OutputFormat::kTable;
  else if (name == "csv") *out = OutputFormat::kCsv;
  else if (name == "json") *out = OutputFormat::kJson;
  else return false;
  return true;
}

const char* output_format_content_type(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable: return "text/plain; charset=utf-8";
    case OutputFormat::kCsv: return "text/csv; charset=utf-8; header=present";
    case OutputFormat::kJson: return "application/json";
  }
  return "text/plain; charset=utf-8";
}

std::string json_cell_text(const JsonValue& value) {
  switch (value.type()) {
    case JsonValue::Type::kNull: return {};
    case JsonValue::Type::kBool: return value.as_bool() ? "yes" : "no";
    case JsonValue::Type::kString: return value.as_string();
    default: return value.dump();
  }
}

std::string render_csv(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  const auto record = [&out](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      append_csv_field(out, fields[i]);
    }
    out += "\r\n";
  };
  record(header);
  for (const auto& row : rows) record(row);
  return out;
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  std::vector<std::vector<std::string>> safe;
  safe.reserve(rows.size() + 1);
  safe.push_back({});
  for (const std::string& h : header) safe.back().push_back(terminal_safe(h));
  for (const auto& row : rows) {
    safe.push_back({});
    for (size_t i = 0; i < header.size(); ++i) {
      safe.back().push_back(terminal_safe(i < row.size() ? row[i] : std::string()));
    }
  }
  for (const auto& row : safe) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) text += "  ";
      text += cells[i];
      if (i + 1 < cells.size()) text.append(widths[i] - display_width(cells[i]), ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text;
    out += '\n';
  };
  line(safe[0]);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.emplace_back(w, '-');
  line(rule);
  for (size_t r = 1; r < safe.size(); ++r) line(safe[r]);
  return out;
}

std::string render_listing(const std::vector<ReportColumn>& columns, const JsonValue& rows,
                           OutputFormat format) {
  if (format == OutputFormat::kJson) return rows.dump_pretty();
  // CSV is read by programs, so its header row carries the stable keys; people get titles.
  std::vector<std::string> header;
  for (const ReportColumn& c : columns) {
    header.push_back(format == OutputFormat::kCsv ? c.key : c.header);
  }
  const auto cells = cells_of(columns, rows);
  return format == OutputFormat::kCsv ? render_csv(header, cells) : render_table(header, cells);
}

std::string render_record(const JsonValue& record, OutputFormat format) {
  if (format == OutputFormat::kJson) return record.dump_pretty();
  std::vector<std::vector<std::string>> rows;
  for (const JsonValue::Member& m : record.as_object()) {
    rows.push_back({m.first, json_cell_text(m.second)});
  }
  return format == OutputFormat::kCsv ? render_csv({"field", "value"}, rows)
                                      : render_table({"FIELD", "VALUE"}, rows);
}

}  // namespace easgate
