#include "backends/vcard/contact_wbxml.h"

#include <charconv>
#include <string>

namespace easgate::vcard {

namespace {

namespace c1 = easgate::tag::contacts;
namespace c2 = easgate::tag::contacts2;
namespace asb = easgate::tag::air_sync_base;

// Plain string elements, in the order Exchange sends them.
struct TextField {
  Tag tag;                          // element
  std::string EasContact::*member;  // field
};
constexpr TextField kTextFields[] = {
    {c1::kAssistantName, &EasContact::assistant_name},
    {c1::kAssistantPhoneNumber, &EasContact::assistant_phone},
    {c1::kBusiness2PhoneNumber, &EasContact::business2_phone},
    {c1::kBusinessFaxNumber, &EasContact::business_fax},
    {c1::kBusinessPhoneNumber, &EasContact::business_phone},
    {c1::kCarPhoneNumber, &EasContact::car_phone},
    {c1::kCompanyName, &EasContact::company_name},
    {c1::kDepartment, &EasContact::department},
    {c1::kEmail1Address, &EasContact::email1_address},
    {c1::kEmail2Address, &EasContact::email2_address},
    {c1::kEmail3Address, &EasContact::email3_address},
    {c1::kFileAs, &EasContact::file_as},
    {c1::kFirstName, &EasContact::first_name},
    {c1::kHome2PhoneNumber, &EasContact::home2_phone},
    {c1::kHomeFaxNumber, &EasContact::home_fax},
    {c1::kHomePhoneNumber, &EasContact::home_phone},
    {c1::kJobTitle, &EasContact::job_title},
    {c1::kLastName, &EasContact::last_name},
    {c1::kMiddleName, &EasContact::middle_name},
    {c1::kMobilePhoneNumber, &EasContact::mobile_phone},
    {c1::kOfficeLocation, &EasContact::office_location},
    {c1::kPagerNumber, &EasContact::pager_number},
    {c1::kRadioPhoneNumber, &EasContact::radio_phone},
    {c1::kSpouse, &EasContact::spouse},
    {c1::kSuffix, &EasContact::suffix},
    {c1::kTitle, &EasContact::title},
    {c1::kWebPage, &EasContact::web_page},
    {c1::kYomiCompanyName, &EasContact::yomi_company_name},
    {c1::kYomiFirstName, &EasContact::yomi_first_name},
    {c1::kYomiLastName, &EasContact::yomi_last_name},
    {c2::kCustomerId, &EasContact::customer_id},
    {c2::kGovernmentId, &EasContact::government_id},
    {c2::kIMAddress, &EasContact::im_address},
    {c2::kIMAddress2, &EasContact::im_address2},
    {c2::kIMAddress3, &EasContact::im_address3},
    {c2::kManagerName, &EasContact::manager_name},
    {c2::kCompanyMainPhone, &EasContact::company_main_phone},
    {c2::kAccountName, &EasContact::account_name},
    {c2::kNickName, &EasContact::nick_name},
    {c2::kMMS, &EasContact::mms},
};

// The five parts of the three addresses.
struct AddressField {
  Tag tag;                          // element
  EasAddress EasContact::*address;  // which address
  std::string EasAddress::*part;    // which part
};
constexpr AddressField kAddressFields[] = {
    {c1::kBusinessAddressCity, &EasContact::business_address, &EasAddress::city},
    {c1::kBusinessAddressCountry, &EasContact::business_address, &EasAddress::country},
    {c1::kBusinessAddressPostalCode, &EasContact::business_address, &EasAddress::postal_code},
    {c1::kBusinessAddressState, &EasContact::business_address, &EasAddress::state},
    {c1::kBusinessAddressStreet, &EasContact::business_address, &EasAddress::street},
    {c1::kHomeAddressCity, &EasContact::home_address, &EasAddress::city},
    {c1::kHomeAddressCountry, &EasContact::home_address, &EasAddress::country},
    {c1::kHomeAddressPostalCode, &EasContact::home_address, &EasAddress::postal_code},
    {c1::kHomeAddressState, &EasContact::home_address, &EasAddress::state},
    {c1::kHomeAddressStreet, &EasContact::home_address, &EasAddress::street},
    {c1::kOtherAddressCity, &EasContact::other_address, &EasAddress::city},
    {c1::kOtherAddressCountry, &EasContact::other_address, &EasAddress::country},
    {c1::kOtherAddressPostalCode, &EasContact::other_address, &EasAddress::postal_code},
    {c1::kOtherAddressState, &EasContact::other_address, &EasAddress::state},
    {c1::kOtherAddressStreet, &EasContact::other_address, &EasAddress::street},
};

std::string to_crlf(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out.push_back('\r');
    out.push_back(s[i]);
  }
  return out;
}

std::string to_lf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out.push_back(s[i]);
  }
  return out;
}

// Cuts at most `limit` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, size_t limit) {
  if (s.size() <= limit) return s;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

void add_list(WbxmlElement& parent, Tag list, Tag item, const std::vector<std::string>& values) {
  if (values.empty()) return;
  WbxmlElement& l = parent.add_child(list);
  for (const auto& v : values) l.add_text(item, v);
}

}  // namespace

void to_wbxml(const EasContact& c, ProtocolVersion version, WbxmlElement& data,
              size_t body_truncation) {
  if (!c.anniversary.empty()) data.add_text(c1::kAnniversary, c.anniversary);
  if (!c.birthday.empty()) data.add_text(c1::kBirthday, c.birthday);
  for (const auto& f : kTextFields) {
    if (!(c.*f.member).empty()) data.add_text(f.tag, c.*f.member);
  }
  for (const auto& f : kAddressFields) {
    const std::string& v = (c.*f.address).*f.part;
    if (!v.empty()) data.add_text(f.tag, f.part == &EasAddress::street ? to_crlf(v) : v);
  }
  add_list(data, c1::kCategories, c1::kCategory, c.categories);
  add_list(data, c1::kChildren, c1::kChild, c.children);
  if (!c.picture.empty() && c.picture.size() <= kMaxPictureBase64Bytes) {
    data.add_text(c1::kPicture, c.picture);
  }
  if (version >= ProtocolVersion::v14_0()) {
    // MS-ASCNTC 2.2.2.2 / 2.2.2.72: recipient information cache only, 14.0 on.
    if (!c.alias.empty()) data.add_text(c1::kAlias, c.alias);
    if (c.weighted_rank) data.add_text(c1::kWeightedRank, std::to_string(*c.weighted_rank));
  }
  if (!c.body.empty()) {
    const std::string full = to_crlf(c.body);
    const bool truncated = body_truncation > 0 && full.size() > body_truncation;
    std::string text = truncated ? utf8_prefix(full, body_truncation) : full;
    if (version >= ProtocolVersion::v12_0()) {
      WbxmlElement& body = data.add_child(asb::kBody);
      body.add_text(asb::kType, "1");
      body.add_text(asb::kEstimatedDataSize, std::to_string(full.size()));
      if (truncated) body.add_text(asb::kTruncated, "1");
      body.add_text(asb::kData, std::move(text));
    } else {
      data.add_text(c1::kBody, std::move(text));
      data.add_text(c1::kBodySize, std::to_string(full.size()));
      data.add_text(c1::kBodyTruncated, truncated ? "1" : "0");
    }
  }
}

Result<EasContact> contact_from_wbxml(const WbxmlElement& data, ProtocolVersion version) {
  EasContact c;
  bool have_plain_body = false;
  bool saw_unreadable_body = false;
  for (const WbxmlElement& e : data.children()) {
    const Tag t = e.tag();
    bool done = false;
    for (const auto& f : kTextFields) {
      if (f.tag == t) {
        c.*f.member = std::string(e.content());
        done = true;
        break;
      }
    }
    if (done) continue;
    for (const auto& f : kAddressFields) {
      if (f.tag == t) {
        std::string v(e.content());
        (c.*f.address).*f.part = f.part == &EasAddress::street ? to_lf(v) : v;
        done = true;
        break;
      }
    }
    if (done) continue;
    if (t == c1::kAnniversary) {
      c.anniversary = e.content();
    } else if (t == c1::kBirthday) {
      c.birthday = e.content();
    } else if (t == c1::kPicture) {
      if (e.content().size() > kMaxPictureBase64Bytes) {
        return Status::invalid_argument("Contacts:Picture exceeds 48 KB").with_eas_status(6);
      }
      c.picture = e.content();
    } else if (t == c1::kCategories || t == c1::kChildren) {
      auto& list = t == c1::kCategories ? c.categories : c.children;
      for (const WbxmlElement& item : e.children()) {
        if (item.tag() == c1::kCategory || item.tag() == c1::kChild) {
          list.emplace_back(item.content());
        }
      }
    } else if (t == c1::kAlias) {
      c.alias = e.content();
    } else if (t == c1::kWeightedRank) {
      int32_t rank = 0;
      std::string_view v = e.content();
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), rank);
      if (ec != std::errc() || ptr != v.data() + v.size()) {
        return Status::invalid_argument("Contacts:WeightedRank is not a number").with_eas_status(6);
      }
      c.weighted_rank = rank;
    } else if (t == c1::kBody && version < ProtocolVersion::v12_0()) {
      c.body = to_lf(e.content());
      have_plain_body = true;
    } else if (t == asb::kBody) {
      // MS-ASAIRS 2.2.2.22.1: Type 1 plain text, 2 HTML, 3 RTF. Only plain text is
      // stored as NOTE; anything else leaves the server's NOTE alone.
      if (e.child_text(asb::kType) == "1") {
        c.body = to_lf(e.child_text(asb::kData));
        have_plain_body = true;
      } else {
        saw_unreadable_body = true;
      }
    } else if (t == c1::kCompressedRTF) {
      saw_unreadable_body = true;
    }
  }
  c.body_unreadable = saw_unreadable_body && !have_plain_body;
  return c;
}

}  // namespace easgate::vcard
