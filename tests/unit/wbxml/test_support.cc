#include "tests/unit/wbxml/test_support.h"

#include <wbxml/wbxml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace easgate::wbxml_test {

std::string read_data_file(const std::string& relative) {
  std::ifstream in(std::string(EASGATE_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> list_data_dir(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(EASGATE_TEST_DATA_DIR) + "/" + dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool libwbxml_to_xml(std::string_view wbxml, bool airsync_language, std::string* out) {
  WBXMLConvWBXML2XML* conv = nullptr;
  if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK) return false;
  wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_COMPACT);
  wbxml_conv_wbxml2xml_set_language(conv,
                                    airsync_language ? WBXML_LANG_AIRSYNC : WBXML_LANG_ACTIVESYNC);
  wbxml_conv_wbxml2xml_enable_preserve_whitespaces(conv);
  std::string in(wbxml);
  WB_UTINY* xml = nullptr;
  WB_ULONG xml_len = 0;
  WBXMLError rc = wbxml_conv_wbxml2xml_run(conv, reinterpret_cast<WB_UTINY*>(in.data()),
                                           static_cast<WB_ULONG>(in.size()), &xml, &xml_len);
  wbxml_conv_wbxml2xml_destroy(conv);
  if (rc != WBXML_OK) {
    *out = reinterpret_cast<const char*>(wbxml_errors_string(rc));
    return false;
  }
  out->assign(reinterpret_cast<const char*>(xml), xml_len);
  std::free(xml);
  return true;
}

bool libwbxml_from_xml(std::string_view xml, std::string* out) {
  WBXMLConvXML2WBXML* conv = nullptr;
  if (wbxml_conv_xml2wbxml_create(&conv) != WBXML_OK) return false;
  wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_13);
  wbxml_conv_xml2wbxml_disable_string_table(conv);
  wbxml_conv_xml2wbxml_disable_public_id(conv);
  std::string in(xml);
  WB_UTINY* wb = nullptr;
  WB_ULONG wb_len = 0;
  WBXMLError rc = wbxml_conv_xml2wbxml_run(conv, reinterpret_cast<WB_UTINY*>(in.data()),
                                           static_cast<WB_ULONG>(in.size()), &wb, &wb_len);
  wbxml_conv_xml2wbxml_destroy(conv);
  if (rc != WBXML_OK) {
    *out = reinterpret_cast<const char*>(wbxml_errors_string(rc));
    return false;
  }
  out->assign(reinterpret_cast<const char*>(wb), wb_len);
  std::free(wb);
  return true;
}

std::string hex(std::string_view bytes, size_t max) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    std::snprintf(buf, sizeof buf, "%02X ", static_cast<unsigned char>(bytes[i]));
    s += buf;
  }
  if (bytes.size() > max) s += "...";
  return s;
}

}  // namespace easgate::wbxml_test
