// Decode/encode throughput of easgate's WBXML codec against libwbxml2 on a realistic Sync
// response (100 mail items with AirSyncBase bodies and Email2 opaque ids). libwbxml has no
// tree API worth timing on its own, so its figures are wbxml_conv_wbxml2xml (decode) and
// wbxml_conv_xml2wbxml (encode): what a gateway built on it would call.
// Usage: easgate_bench_wbxml [seconds-per-measurement, default 1]

#include <wbxml/wbxml.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/eas/wbxml/wbxml_encoder.h"

namespace {

using namespace easgate;
namespace as = tag::air_sync;
namespace asb = tag::air_sync_base;
namespace em = tag::email;
namespace em2 = tag::email2;

WbxmlDocument sync_response(int items) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  WbxmlElement& coll = doc.root.add_child(as::kCollections).add_child(as::kCollection);
  coll.add_text(as::kSyncKey, "1742");
  coll.add_text(as::kCollectionId, "5");
  coll.add_text(as::kStatus, "1");
  WbxmlElement& cmds = coll.add_child(as::kCommands);
  std::string preview(480, 'x');
  for (int i = 0; i < items; ++i) {
    WbxmlElement& add = cmds.add_child(as::kAdd);
    add.add_text(as::kServerId, "5:" + std::to_string(1000 + i));
    WbxmlElement& app = add.add_child(as::kApplicationData);
    app.add_text(em::kTo, "\"Alice Example\" <alice@example.test>");
    app.add_text(em::kFrom, "\"Bob Example\" <bob@example.test>");
    app.add_text(em::kSubject, "Quarterly numbers, item " + std::to_string(i));
    app.add_text(em::kDateReceived, "2026-11-27T15:30:00.000Z");
    app.add_text(em::kDisplayTo, "Alice Example");
    app.add_text(em::kThreadTopic, "Quarterly numbers");
    app.add_text(em::kImportance, "1");
    app.add_text(em::kRead, i % 3 ? "1" : "0");
    WbxmlElement& body = app.add_child(asb::kBody);
    body.add_text(asb::kType, "2");
    body.add_text(asb::kEstimatedDataSize, "18234");
    body.add_text(asb::kTruncated, "1");
    body.add_text(asb::kData, "<html><body><p>" + preview + "</p></body></html>");
    app.add_text(em::kMessageClass, "IPM.Note");
    app.add_text(em::kInternetCPID, "65001");
    app.add_child(em::kFlag);
    app.add_text(em::kContentClass, "urn:content-classes:message");
    app.add_text(asb::kNativeBodyType, "2");
    app.add_opaque(em2::kConversationId, std::string("\x9a\x31\x07\xc4\x55\x10\x42\xa8"
                                                     "\x8e\x01\xfe\x77\x2b\x60\x19\xd3", 16));
    app.add_opaque(em2::kConversationIndex, std::string("\x01\xd9\x3c\x4a\x1e", 5));
  }
  return doc;
}

// Runs `fn` repeatedly for about `seconds`; returns operations per second.
double rate(double seconds, const std::function<bool()>& fn) {
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  long n = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 10; ++i) {
      if (!fn()) {
        std::fprintf(stderr, "operation failed\n");
        std::exit(1);
      }
    }
    n += 10;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(n) / elapsed;
}

bool libwbxml_decode(const std::string& wbxml, std::string* xml_out) {
  WB_UTINY* xml = nullptr;
  WB_ULONG len = 0;
  WBXMLConvWBXML2XML* conv = nullptr;
  if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK) return false;
  wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_COMPACT);
  wbxml_conv_wbxml2xml_set_language(conv, WBXML_LANG_ACTIVESYNC);
  WBXMLError rc = wbxml_conv_wbxml2xml_run(
      conv, reinterpret_cast<WB_UTINY*>(const_cast<char*>(wbxml.data())),
      static_cast<WB_ULONG>(wbxml.size()), &xml, &len);
  wbxml_conv_wbxml2xml_destroy(conv);
  if (rc != WBXML_OK) return false;
  if (xml_out) xml_out->assign(reinterpret_cast<char*>(xml), len);
  std::free(xml);
  return true;
}

bool libwbxml_encode(const std::string& xml) {
  WB_UTINY* wb = nullptr;
  WB_ULONG len = 0;
  WBXMLConvXML2WBXML* conv = nullptr;
  if (wbxml_conv_xml2wbxml_create(&conv) != WBXML_OK) return false;
  wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_13);
  wbxml_conv_xml2wbxml_disable_string_table(conv);
  wbxml_conv_xml2wbxml_disable_public_id(conv);
  WBXMLError rc = wbxml_conv_xml2wbxml_run(
      conv, reinterpret_cast<WB_UTINY*>(const_cast<char*>(xml.data())),
      static_cast<WB_ULONG>(xml.size()), &wb, &len);
  wbxml_conv_xml2wbxml_destroy(conv);
  std::free(wb);
  return rc == WBXML_OK;
}

void print(const char* what, double ours, double theirs, size_t bytes) {
  auto mbs = [bytes](double per_s) { return per_s * static_cast<double>(bytes) / 1e6; };
  std::printf("%-7s ours %9.0f docs/s %8.1f MB/s | libwbxml2 %8.0f docs/s %7.1f MB/s | ratio %.1fx\n",
              what, ours, mbs(ours), theirs, mbs(theirs), ours / theirs);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (seconds <= 0) seconds = 1.0;
  WbxmlDocument doc = sync_response(100);
  std::string wbxml = encode_wbxml(doc);
  std::string xml;
  if (!libwbxml_decode(wbxml, &xml)) {
    std::fprintf(stderr, "libwbxml2 cannot decode the benchmark document\n");
    return 1;
  }
  std::printf("Sync response, 100 items: %zu bytes WBXML (%zu bytes as XML); MB/s of WBXML\n",
              wbxml.size(), xml.size());
  double our_dec = rate(seconds, [&] { return decode_wbxml(wbxml).is_ok(); });
  double lib_dec = rate(seconds, [&] { return libwbxml_decode(wbxml, nullptr); });
  print("decode", our_dec, lib_dec, wbxml.size());
  std::string out;
  double our_enc = rate(seconds, [&] {
    out.clear();
    encode_wbxml_to(doc.root, out);
    return out.size() == wbxml.size();
  });
  double lib_enc = rate(seconds, [&] { return libwbxml_encode(xml); });
  print("encode", our_enc, lib_enc, wbxml.size());
  return 0;
}
