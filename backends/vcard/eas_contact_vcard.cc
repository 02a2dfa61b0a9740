// EasContact <-> vCard. Every EAS field has a "slot": at most one vCard property that
// carries it. Reading claims properties for slots in document order; writing renders each
// slot's value from both the parsed original and the new contact, and touches a property
// only when the two renderings differ. Everything unclaimed is left alone, which is how
// properties EAS does not carry survive an EAS change (issue 5, item 4).

#include <array>
#include <cstdio>
#include <optional>

#include "backends/vcard/eas_contact.h"
#include "backends/vcard/vcard_syntax.h"

namespace easgate::vcard {

namespace {

enum class Slot : uint8_t {
  kFn, kN, kOrg, kJobTitle, kOffice,
  kEmail1, kEmail2, kEmail3,
  kTelBusiness, kTelBusiness2, kTelBusinessFax, kTelHome, kTelHome2, kTelHomeFax,
  kTelMobile, kTelCar, kTelPager, kTelRadio, kTelAssistant, kTelCompanyMain,
  kAdrBusiness, kAdrHome, kAdrOther,
  kBday, kAnniversary, kPhoto, kNote, kUrl, kNickname, kIm1, kIm2, kIm3,
  kSpouse, kAssistantName, kManager, kYomiFirst, kYomiLast, kYomiCompany,
  kCustomerId, kGovernmentId, kAccountName, kMms,
  kCount,  // number of slots, not a slot
};
constexpr size_t kSlots = static_cast<size_t>(Slot::kCount);

// Which property index fills each slot (-1: none), plus the multi-property fields.
struct Claims {
  std::array<int, kSlots> index;       // by Slot
  std::vector<int> categories;         // every CATEGORIES line
  std::vector<int> children;           // every X-CHILD / RELATED;TYPE=child;VALUE=text

  Claims() { index.fill(-1); }
  int& operator[](Slot s) { return index[static_cast<size_t>(s)]; }
  int operator[](Slot s) const { return index[static_cast<size_t>(s)]; }
  // Claims the first free slot of `candidates` for property `i`.
  bool take(std::initializer_list<Slot> candidates, int i) {
    for (Slot s : candidates) {
      if ((*this)[s] < 0) {
        (*this)[s] = i;
        return true;
      }
    }
    return false;
  }
};

bool any_type(const VcardProperty& p, std::initializer_list<std::string_view> types) {
  for (auto t : types) {
    if (p.has_type(t)) return true;
  }
  return false;
}

// The parameter that pins an EMAIL to its EAS slot: MS-ASCNTC 2.2.2.24-26 Email1..3Address
// are three fixed fields, and a device that sets only Email3Address must get Email3Address
// back, which document order alone cannot say. vCard readers ignore x-params they do not
// know (RFC 6350 section 5, RFC 2426 section 4); a card without it (or after another
// client dropped it) falls back to document order for the free slots.
constexpr std::string_view kEmailSlotParam = "X-EAS-SLOT";

// The EAS e-mail slot an EMAIL property names with kEmailSlotParam; nullopt when none.
std::optional<Slot> pinned_email_slot(const VcardProperty& p) {
  const std::string v = p.param(kEmailSlotParam);
  if (v == "1") return Slot::kEmail1;
  if (v == "2") return Slot::kEmail2;
  if (v == "3") return Slot::kEmail3;
  return std::nullopt;
}

bool is_inline_photo(const VcardProperty& p) {
  return p.is_base64() || p.value.rfind("data:", 0) == 0;
}

void claim_tel(const VcardProperty& p, int i, Claims* c) {
  if (p.has_type("fax")) {
    c->take({p.has_type("home") && !p.has_type("work") ? Slot::kTelHomeFax : Slot::kTelBusinessFax}, i);
  } else if (any_type(p, {"cell", "iphone", "mobile"})) {
    c->take({Slot::kTelMobile}, i);
  } else if (p.has_type("car")) {
    c->take({Slot::kTelCar}, i);
  } else if (p.has_type("pager")) {
    c->take({Slot::kTelPager}, i);
  } else if (any_type(p, {"x-radio", "radio"})) {
    c->take({Slot::kTelRadio}, i);
  } else if (any_type(p, {"x-assistant", "x-evolution-assistant", "assistant"})) {
    c->take({Slot::kTelAssistant}, i);
  } else if (any_type(p, {"main-number", "x-company-main", "main"})) {
    c->take({Slot::kTelCompanyMain}, i);
  } else if (p.has_type("work")) {
    c->take({Slot::kTelBusiness, Slot::kTelBusiness2}, i);
  } else {
    // Home, or no usable type at all ("voice", "pref", none): a device shows it as home.
    c->take({Slot::kTelHome, Slot::kTelHome2}, i);
  }
}

Claims claim(const VcardCard& card) {
  Claims c;
  // EMAILs without a (usable) pin, in document order; they fill the slots left free by
  // the pinned ones once every property was seen.
  std::vector<int> unpinned_emails;
  for (int i = 0; i < static_cast<int>(card.properties.size()); ++i) {
    const VcardProperty& p = card.properties[i];
    const std::string& n = p.name;
    const bool text_related = n == "RELATED" && (p.param("VALUE") == "text" ||
                                                 p.param("VALUE") == "TEXT");
    if (n == "FN") c.take({Slot::kFn}, i);
    else if (n == "N") c.take({Slot::kN}, i);
    else if (n == "ORG") c.take({Slot::kOrg}, i);
    else if (n == "TITLE") c.take({Slot::kJobTitle}, i);
    else if (n == "X-EAS-OFFICE-LOCATION") c.take({Slot::kOffice}, i);
    else if (n == "EMAIL") {
      const std::optional<Slot> pin = pinned_email_slot(p);
      if (!pin || !c.take({*pin}, i)) unpinned_emails.push_back(i);
    }
    else if (n == "TEL") claim_tel(p, i, &c);
    else if (n == "ADR") {
      if (p.has_type("work")) c.take({Slot::kAdrBusiness}, i);
      else if (p.has_type("home")) c.take({Slot::kAdrHome}, i);
      else c.take({Slot::kAdrOther}, i);
    } else if (n == "BDAY") c.take({Slot::kBday}, i);
    else if (n == "ANNIVERSARY" || n == "X-ANNIVERSARY" || n == "X-EVOLUTION-ANNIVERSARY") {
      c.take({Slot::kAnniversary}, i);
    } else if (n == "PHOTO" && is_inline_photo(p)) c.take({Slot::kPhoto}, i);
    else if (n == "NOTE") c.take({Slot::kNote}, i);
    else if (n == "URL") c.take({Slot::kUrl}, i);
    else if (n == "NICKNAME") c.take({Slot::kNickname}, i);
    else if (n == "IMPP" || n == "X-JABBER" || n == "X-AIM" || n == "X-ICQ" || n == "X-MSN" ||
             n == "X-YAHOO" || n == "X-SKYPE" || n == "X-GOOGLE-TALK" || n == "X-GADUGADU") {
      c.take({Slot::kIm1, Slot::kIm2, Slot::kIm3}, i);
    } else if (n == "X-SPOUSE" || n == "X-EVOLUTION-SPOUSE" ||
               (text_related && p.has_type("spouse"))) {
      c.take({Slot::kSpouse}, i);
    } else if (n == "X-ASSISTANT" || n == "X-EVOLUTION-ASSISTANT") c.take({Slot::kAssistantName}, i);
    else if (n == "X-MANAGER" || n == "X-EVOLUTION-MANAGER") c.take({Slot::kManager}, i);
    else if (n == "X-PHONETIC-FIRST-NAME") c.take({Slot::kYomiFirst}, i);
    else if (n == "X-PHONETIC-LAST-NAME") c.take({Slot::kYomiLast}, i);
    else if (n == "X-PHONETIC-ORG") c.take({Slot::kYomiCompany}, i);
    else if (n == "X-EAS-CUSTOMER-ID") c.take({Slot::kCustomerId}, i);
    else if (n == "X-EAS-GOVERNMENT-ID") c.take({Slot::kGovernmentId}, i);
    else if (n == "X-EAS-ACCOUNT-NAME") c.take({Slot::kAccountName}, i);
    else if (n == "X-EAS-MMS") c.take({Slot::kMms}, i);
    else if (n == "CATEGORIES") c.categories.push_back(i);
    else if (n == "X-CHILD" || (text_related && p.has_type("child"))) c.children.push_back(i);
  }
  for (int i : unpinned_emails) c.take({Slot::kEmail1, Slot::kEmail2, Slot::kEmail3}, i);
  return c;
}

// Where each simple text slot lives in an EasContact (const or not).
template <typename Contact>
auto text_field(Slot s, Contact& c) -> decltype(&c.file_as) {
  switch (s) {
    case Slot::kFn: return &c.file_as;
    case Slot::kJobTitle: return &c.job_title;
    case Slot::kOffice: return &c.office_location;
    case Slot::kEmail1: return &c.email1_address;
    case Slot::kEmail2: return &c.email2_address;
    case Slot::kEmail3: return &c.email3_address;
    case Slot::kTelBusiness: return &c.business_phone;
    case Slot::kTelBusiness2: return &c.business2_phone;
    case Slot::kTelBusinessFax: return &c.business_fax;
    case Slot::kTelHome: return &c.home_phone;
    case Slot::kTelHome2: return &c.home2_phone;
    case Slot::kTelHomeFax: return &c.home_fax;
    case Slot::kTelMobile: return &c.mobile_phone;
    case Slot::kTelCar: return &c.car_phone;
    case Slot::kTelPager: return &c.pager_number;
    case Slot::kTelRadio: return &c.radio_phone;
    case Slot::kTelAssistant: return &c.assistant_phone;
    case Slot::kTelCompanyMain: return &c.company_main_phone;
    case Slot::kNote: return &c.body;
    case Slot::kUrl: return &c.web_page;
    case Slot::kNickname: return &c.nick_name;
    case Slot::kIm1: return &c.im_address;
    case Slot::kIm2: return &c.im_address2;
    case Slot::kIm3: return &c.im_address3;
    case Slot::kSpouse: return &c.spouse;
    case Slot::kAssistantName: return &c.assistant_name;
    case Slot::kManager: return &c.manager_name;
    case Slot::kYomiFirst: return &c.yomi_first_name;
    case Slot::kYomiLast: return &c.yomi_last_name;
    case Slot::kYomiCompany: return &c.yomi_company_name;
    case Slot::kCustomerId: return &c.customer_id;
    case Slot::kGovernmentId: return &c.government_id;
    case Slot::kAccountName: return &c.account_name;
    case Slot::kMms: return &c.mms;
    default: return nullptr;
  }
}

template <typename Contact>
auto address_field(Slot s, Contact& c) -> decltype(&c.home_address) {
  switch (s) {
    case Slot::kAdrBusiness: return &c.business_address;
    case Slot::kAdrHome: return &c.home_address;
    case Slot::kAdrOther: return &c.other_address;
    default: return nullptr;
  }
}

bool is_tel(Slot s) { return s >= Slot::kTelBusiness && s <= Slot::kTelCompanyMain; }
// URI-valued: no text escaping (RFC 6350 section 5.6 URL, 6.4.3 IMPP).
bool is_uri(Slot s) { return s == Slot::kUrl || (s >= Slot::kIm1 && s <= Slot::kIm3); }

std::vector<std::string> components(const std::string& value, size_t at_least) {
  std::vector<std::string> parts = split_escaped(value, ';');
  if (parts.size() < at_least) parts.resize(at_least);
  return parts;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.push_back(sep);
    out += parts[i];
  }
  return out;
}

// Text of a property's value as EAS shows it.
std::string plain_value(Slot s, const VcardProperty& p) {
  if (is_uri(s)) return p.value;
  std::string v = unescape_text(p.value);
  if (is_tel(s) && v.rfind("tel:", 0) == 0) v.erase(0, 4);  // 4.0 VALUE=uri
  return v;
}

void read_slot(Slot s, const VcardProperty& p, EasContact* c) {
  if (std::string* f = text_field(s, *c)) {
    *f = plain_value(s, p);
    return;
  }
  if (EasAddress* a = address_field(s, *c)) {
    // RFC 6350 section 6.3.1: pobox; ext; street; locality; region; code; country.
    std::vector<std::string> parts = components(p.value, 7);
    a->street = unescape_text(parts[2]);
    a->city = unescape_text(parts[3]);
    a->state = unescape_text(parts[4]);
    a->postal_code = unescape_text(parts[5]);
    a->country = unescape_text(parts[6]);
    return;
  }
  switch (s) {
    case Slot::kN: {
      // RFC 6350 section 6.2.2: family; given; additional; prefix; suffix.
      std::vector<std::string> parts = components(p.value, 5);
      c->last_name = unescape_text(parts[0]);
      c->first_name = unescape_text(parts[1]);
      c->middle_name = unescape_text(parts[2]);
      c->title = unescape_text(parts[3]);
      c->suffix = unescape_text(parts[4]);
      break;
    }
    case Slot::kOrg: {
      std::vector<std::string> parts = components(p.value, 2);
      c->company_name = unescape_text(parts[0]);
      c->department = unescape_text(parts[1]);
      break;
    }
    case Slot::kBday: c->birthday = eas_date_from_vcard(p.value); break;
    case Slot::kAnniversary: c->anniversary = eas_date_from_vcard(p.value); break;
    case Slot::kPhoto: {
      std::string_view v = p.value;
      if (!p.is_base64()) {
        const size_t comma = v.find(',');
        const bool b64 = comma != std::string_view::npos &&
                         v.substr(0, comma).find(";base64") != std::string_view::npos;
        v = b64 ? v.substr(comma + 1) : std::string_view();
      }
      c->picture.clear();
      for (char ch : v) {
        if (ch != ' ' && ch != '\t') c->picture.push_back(ch);
      }
      break;
    }
    default: break;
  }
}

// "John Doe <john@example.test>" -> "john@example.test" (vCard EMAIL holds the address).
std::string bare_address(const std::string& email) {
  const size_t lt = email.rfind('<');
  const size_t gt = email.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) {
    return email.substr(lt + 1, gt - lt - 1);
  }
  return email;
}

std::string picture_mime(const std::string& base64) {
  std::string head;
  if (!base64_decode(base64.substr(0, 16), &head)) return "image/jpeg";
  if (head.rfind("\x89PNG", 0) == 0) return "image/png";
  if (head.rfind("GIF8", 0) == 0) return "image/gif";
  return "image/jpeg";
}

// The escaped vCard value of slot `s` for contact `c`; empty when the contact has none.
// `orig` supplies the components EAS does not carry (ADR pobox/ext, ORG units 3+).
std::string render(Slot s, const EasContact& c, const VcardProperty* orig, bool v40) {
  if (s == Slot::kFn) {
    if (!c.file_as.empty()) return escape_text(c.file_as);
    std::string name;
    for (const std::string* part : {&c.first_name, &c.middle_name, &c.last_name}) {
      if (part->empty()) continue;
      if (!name.empty()) name.push_back(' ');
      name += *part;
    }
    if (name.empty()) name = !c.company_name.empty() ? c.company_name : bare_address(c.email1_address);
    return escape_text(name);
  }
  if (s >= Slot::kEmail1 && s <= Slot::kEmail3) return escape_text(bare_address(*text_field(s, c)));
  if (const std::string* f = text_field(s, c)) return is_uri(s) ? *f : escape_text(*f);
  if (const EasAddress* a = address_field(s, c)) {
    if (a->empty()) return {};
    std::vector<std::string> parts = components(orig ? orig->value : std::string(), 7);
    parts[2] = escape_text(a->street);
    parts[3] = escape_text(a->city);
    parts[4] = escape_text(a->state);
    parts[5] = escape_text(a->postal_code);
    parts[6] = escape_text(a->country);
    return join(parts, ';');
  }
  switch (s) {
    case Slot::kN: {
      std::vector<std::string> parts = components(orig ? orig->value : std::string(), 5);
      parts[0] = escape_text(c.last_name);
      parts[1] = escape_text(c.first_name);
      parts[2] = escape_text(c.middle_name);
      parts[3] = escape_text(c.title);
      parts[4] = escape_text(c.suffix);
      const std::string v = join(parts, ';');
      // N is required in 3.0 (RFC 2426 section 3.1.2), optional in 4.0.
      return v40 && v.find_first_not_of(';') == std::string::npos ? std::string() : v;
    }
    case Slot::kOrg: {
      if (c.company_name.empty() && c.department.empty()) return {};
      std::vector<std::string> parts = components(orig ? orig->value : std::string(), 1);
      parts[0] = escape_text(c.company_name);
      if (parts.size() < 2) parts.resize(2);
      parts[1] = escape_text(c.department);
      while (parts.size() > 1 && parts.back().empty()) parts.pop_back();
      return join(parts, ';');
    }
    case Slot::kBday: return vcard_date_from_eas(c.birthday, v40);
    case Slot::kAnniversary: return vcard_date_from_eas(c.anniversary, v40);
    case Slot::kPhoto:
      if (c.picture.empty()) return {};
      return v40 ? "data:" + picture_mime(c.picture) + ";base64," + c.picture : c.picture;
    default: return {};
  }
}

VcardProperty tel(const char* v30_types, const char* v40_types, bool v40) {
  VcardProperty p;
  p.name = "TEL";
  std::string types = v40 ? v40_types : v30_types;
  p.params.push_back({"TYPE", split_escaped(types, ',')});
  return p;
}

// A property for slot `s` in a card that has none yet.
VcardProperty new_property(Slot s, bool v40) {
  VcardProperty p;
  switch (s) {
    case Slot::kFn: p.name = "FN"; break;
    case Slot::kN: p.name = "N"; break;
    case Slot::kOrg: p.name = "ORG"; break;
    case Slot::kJobTitle: p.name = "TITLE"; break;
    case Slot::kOffice: p.name = "X-EAS-OFFICE-LOCATION"; break;
    case Slot::kEmail1: case Slot::kEmail2: case Slot::kEmail3:
      p.name = "EMAIL";
      if (!v40) p.params.push_back({"TYPE", {"INTERNET"}});
      break;
    case Slot::kTelBusiness: case Slot::kTelBusiness2: return tel("WORK,VOICE", "work,voice", v40);
    case Slot::kTelBusinessFax: return tel("WORK,FAX", "work,fax", v40);
    case Slot::kTelHome: case Slot::kTelHome2: return tel("HOME,VOICE", "home,voice", v40);
    case Slot::kTelHomeFax: return tel("HOME,FAX", "home,fax", v40);
    case Slot::kTelMobile: return tel("CELL,VOICE", "cell,voice", v40);
    case Slot::kTelCar: return tel("CAR,VOICE", "car,voice", v40);
    case Slot::kTelPager: return tel("PAGER", "pager", v40);
    case Slot::kTelRadio: return tel("X-RADIO", "x-radio", v40);
    case Slot::kTelAssistant: return tel("X-ASSISTANT", "x-assistant", v40);
    case Slot::kTelCompanyMain: return tel("MAIN", "main-number", v40);
    case Slot::kAdrBusiness: p.name = "ADR"; p.params.push_back({"TYPE", {v40 ? "work" : "WORK"}}); break;
    case Slot::kAdrHome: p.name = "ADR"; p.params.push_back({"TYPE", {v40 ? "home" : "HOME"}}); break;
    case Slot::kAdrOther: p.name = "ADR"; break;
    case Slot::kBday: p.name = "BDAY"; break;
    case Slot::kAnniversary: p.name = v40 ? "ANNIVERSARY" : "X-ANNIVERSARY"; break;
    case Slot::kPhoto: p.name = "PHOTO"; break;
    case Slot::kNote: p.name = "NOTE"; break;
    case Slot::kUrl: p.name = "URL"; break;
    case Slot::kNickname: p.name = "NICKNAME"; break;
    case Slot::kIm1: case Slot::kIm2: case Slot::kIm3: p.name = "IMPP"; break;
    case Slot::kSpouse:
      if (v40) {
        p.name = "RELATED";
        p.params = {{"TYPE", {"spouse"}}, {"VALUE", {"text"}}};
      } else {
        p.name = "X-SPOUSE";
      }
      break;
    case Slot::kAssistantName: p.name = "X-ASSISTANT"; break;
    case Slot::kManager: p.name = "X-MANAGER"; break;
    case Slot::kYomiFirst: p.name = "X-PHONETIC-FIRST-NAME"; break;
    case Slot::kYomiLast: p.name = "X-PHONETIC-LAST-NAME"; break;
    case Slot::kYomiCompany: p.name = "X-PHONETIC-ORG"; break;
    case Slot::kCustomerId: p.name = "X-EAS-CUSTOMER-ID"; break;
    case Slot::kGovernmentId: p.name = "X-EAS-GOVERNMENT-ID"; break;
    case Slot::kAccountName: p.name = "X-EAS-ACCOUNT-NAME"; break;
    case Slot::kMms: p.name = "X-EAS-MMS"; break;
    case Slot::kCount: break;
  }
  return p;
}

// Puts a new value into property `p` of slot `s`, keeping its group and parameters
// except those that described the old value.
void set_value(Slot s, const std::string& value, bool v40, VcardProperty* p) {
  p->raw.clear();
  p->value = value;
  p->remove_param("ENCODING");
  p->remove_param("CHARSET");
  if (is_tel(s)) p->remove_param("VALUE");  // a "tel:" URI became text
  if (s >= Slot::kAdrBusiness && s <= Slot::kAdrOther) p->remove_param("LABEL");  // stale
  if (s == Slot::kPhoto) {
    p->remove_param("TYPE");
    p->remove_param("MEDIATYPE");
    p->remove_param("VALUE");
    if (!v40) {
      p->params.push_back({"ENCODING", {"b"}});
      const std::string mime = picture_mime(value);
      p->params.push_back({"TYPE", {mime == "image/png" ? "PNG" : mime == "image/gif" ? "GIF" : "JPEG"}});
    }
  }
  if ((s == Slot::kBday || s == Slot::kAnniversary) && !v40) {
    // Apple's marker for a date without a year, in 3.0 cards (year 1604).
    p->remove_param("X-APPLE-OMIT-YEAR");
    if (value.rfind("1604-", 0) == 0) p->params.push_back({"X-APPLE-OMIT-YEAR", {"1604"}});
  }
}

// Marks `p` as the EMAIL of e-mail slot `s` (see kEmailSlotParam); a no-op when it
// already says so, so its raw line is kept.
void pin_email(Slot s, VcardProperty* p) {
  const char* value = s == Slot::kEmail1 ? "1" : s == Slot::kEmail2 ? "2" : "3";
  if (p->param(kEmailSlotParam) == value) return;
  p->raw.clear();
  p->remove_param(kEmailSlotParam);
  p->params.push_back({std::string(kEmailSlotParam), {value}});
}

// Pins (kEmailSlotParam) the e-mails that reading `card` back would put into another slot
// than `email_at` says (index of the Email1..3 property in card->properties, -1: none):
// a lone Email3Address, or Email2Address once Email1Address was removed, must not move
// up a slot. An e-mail read into its own slot anyway stays byte-for-byte; an EMAIL EAS
// does not carry is never touched (it may fill a slot left free).
void pin_moved_emails(const std::array<int, 3>& email_at, VcardCard* card) {
  constexpr Slot kEmails[] = {Slot::kEmail1, Slot::kEmail2, Slot::kEmail3};
  for (int round = 0; round < 3; ++round) {  // each round pins at least one more
    const Claims read = claim(*card);
    bool pinned = false;
    for (size_t e = 0; e < 3; ++e) {
      if (email_at[e] < 0 || read[kEmails[e]] == email_at[e]) continue;
      pin_email(kEmails[e], &card->properties[static_cast<size_t>(email_at[e])]);
      pinned = true;
    }
    if (!pinned) return;
  }
}

std::string render_list(const std::vector<std::string>& items) {
  std::vector<std::string> escaped;
  for (const auto& item : items) {
    if (!item.empty()) escaped.push_back(escape_text(item));
  }
  return join(escaped, ',');
}

EasContact read_card(const VcardCard& card, const Claims& claims) {
  EasContact c;
  for (size_t s = 0; s < kSlots; ++s) {
    if (claims.index[s] >= 0) read_slot(static_cast<Slot>(s), card.properties[claims.index[s]], &c);
  }
  for (int i : claims.categories) {
    for (const auto& piece : split_escaped(card.properties[i].value, ',')) {
      std::string v = unescape_text(piece);
      if (!v.empty()) c.categories.push_back(std::move(v));
    }
  }
  for (int i : claims.children) {
    std::string v = unescape_text(card.properties[i].value);
    if (!v.empty()) c.children.push_back(std::move(v));
  }
  c.certificates = x509_certificates(card);
  return c;
}

std::string derived_uid(const std::string& content) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char ch : content) h = (h ^ ch) * 1099511628211ULL;
  char buf[32];
  std::snprintf(buf, sizeof buf, "easgate-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

Result<EasContact> contact_from_vcard(std::string_view vcf) {
  Result<VcardCard> card = parse_vcard(vcf);
  if (!card.is_ok()) return card.status();
  return read_card(*card, claim(*card));
}

Result<std::string> vcard_from_contact(const EasContact& contact,
                                       const std::optional<std::string>& original_vcf,
                                       const VcardWriteOptions& options) {
  VcardCard card;
  Claims claims;
  EasContact before;
  if (original_vcf) {
    Result<VcardCard> parsed = parse_vcard(*original_vcf);
    if (!parsed.is_ok()) return parsed.status().prefixed("server's vCard");
    card = std::move(parsed).value();
    claims = claim(card);
    before = read_card(card, claims);
  } else {
    card.version = options.version == NewCardVersion::kV40 ? VcardVersion::k40 : VcardVersion::k30;
  }
  const bool v40 = card.version == VcardVersion::k40;
  std::vector<bool> removed(card.properties.size(), false);
  std::vector<VcardProperty> added;
  // Where each e-mail slot's property ends up: an index into card.properties, or
  // kAddedBase + an index into `added`; -1 when the contact has no such e-mail.
  constexpr int kAddedBase = 1 << 20;
  std::array<int, 3> email_at = {-1, -1, -1};
  for (size_t si = 0; si < kSlots; ++si) {
    const Slot s = static_cast<Slot>(si);
    if (s == Slot::kNote && contact.body_unreadable) continue;  // keep the server's NOTE
    const int idx = claims.index[si];
    VcardProperty* orig = idx >= 0 ? &card.properties[idx] : nullptr;
    const std::string next = render(s, contact, orig, v40);
    const bool email = s >= Slot::kEmail1 && s <= Slot::kEmail3;
    const size_t e = email ? static_cast<size_t>(s) - static_cast<size_t>(Slot::kEmail1) : 0;
    if (orig) {
      if (email && !next.empty()) email_at[e] = idx;
      if (next == render(s, before, orig, v40)) continue;  // unchanged: keep it verbatim
      if (next.empty()) {
        removed[idx] = true;
      } else {
        set_value(s, next, v40, orig);
      }
    } else if (!next.empty() || (s == Slot::kFn && !original_vcf)) {
      VcardProperty p = new_property(s, v40);
      set_value(s, next, v40, &p);
      if (email) email_at[e] = kAddedBase + static_cast<int>(added.size());
      added.push_back(std::move(p));
    }
  }

  // CATEGORIES: one line carries the list; other CATEGORIES lines fold into it.
  if (contact.categories != before.categories) {
    const std::string next = render_list(contact.categories);
    for (size_t k = 0; k < claims.categories.size(); ++k) removed[claims.categories[k]] = true;
    if (!next.empty()) {
      if (!claims.categories.empty()) {
        VcardProperty& first = card.properties[claims.categories.front()];
        removed[claims.categories.front()] = false;
        first.raw.clear();
        first.value = next;
      } else {
        VcardProperty p;
        p.name = "CATEGORIES";
        p.value = next;
        added.push_back(std::move(p));
      }
    }
  }
  if (contact.children != before.children) {
    for (int i : claims.children) removed[i] = true;
    for (const auto& child : contact.children) {
      if (child.empty()) continue;
      VcardProperty p;
      p.name = "X-CHILD";
      p.value = escape_text(child);
      added.push_back(std::move(p));
    }
  }

  VcardCard out;
  out.version = card.version;
  std::vector<int> out_index(card.properties.size(), -1);
  for (size_t i = 0; i < card.properties.size(); ++i) {
    if (removed[i]) continue;
    out_index[i] = static_cast<int>(out.properties.size());
    out.properties.push_back(std::move(card.properties[i]));
  }
  const int added_at = static_cast<int>(out.properties.size());
  for (auto& p : added) out.properties.push_back(std::move(p));
  for (int& at : email_at) {
    if (at >= kAddedBase) at = added_at + (at - kAddedBase);
    else if (at >= 0) at = out_index[at];
  }
  pin_moved_emails(email_at, &out);
  if (!original_vcf) {
    VcardProperty uid;
    uid.name = "UID";
    uid.value = options.uid.empty() ? derived_uid(serialize_vcard(out)) : escape_text(options.uid);
    out.properties.insert(out.properties.begin(), std::move(uid));
    VcardProperty prodid;
    prodid.name = "PRODID";
    prodid.value = "-//easgate//EAS gateway//EN";
    out.properties.insert(out.properties.begin(), std::move(prodid));
  }
  return serialize_vcard(out);
}

}  // namespace easgate::vcard
