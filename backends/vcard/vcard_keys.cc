// KEY properties holding X.509 certificates (RFC 6350 section 6.8.1, RFC 2426 section
// 3.7.1), for ResolveRecipients CertificateRetrieval.

#include "backends/vcard/vcard_syntax.h"

namespace easgate::vcard {
namespace {

// The DER certificate (base64) of a KEY property holding an X.509 certificate; empty for
// a PGP key, a key by reference (URL), or anything that is not a DER SEQUENCE.
std::string x509_of(const VcardProperty& p) {
  if (p.has_type("pgp") || p.param("MEDIATYPE").find("pgp") != std::string::npos) return {};
  std::string_view v = p.value;
  if (!p.is_base64()) {
    // RFC 6350 section 6.8.1: a data: URI ("data:application/pkix-cert;base64,MII...").
    if (v.rfind("data:", 0) != 0) return {};
    const size_t comma = v.find(',');
    if (comma == std::string_view::npos) return {};
    const std::string_view head = v.substr(0, comma);
    const bool x509 = head.find("pkix-cert") != std::string_view::npos ||
                      head.find("x509") != std::string_view::npos;
    if (!x509 || head.find(";base64") == std::string_view::npos) return {};
    v = v.substr(comma + 1);
  } else if (!p.has_type("x509") && !p.param("TYPE").empty()) {
    return {};  // 3.0 TYPE names another key format
  }
  std::string b64;
  for (char ch : v) {
    if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') b64.push_back(ch);
  }
  std::string der;
  if (b64.empty() || !base64_decode(b64, &der) || der.empty() || der[0] != '\x30') return {};
  return base64_encode(der);
}

}  // namespace

std::vector<std::string> x509_certificates(const VcardCard& card) {
  std::vector<std::string> out;
  for (const VcardProperty& p : card.properties) {
    if (p.name != "KEY") continue;
    std::string cert = x509_of(p);
    if (!cert.empty()) out.push_back(std::move(cert));
  }
  return out;
}

}  // namespace easgate::vcard
