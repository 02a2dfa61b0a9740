#pragma once
// The EAS Contact item (MS-ASCNTC section 2.2.2, Contacts and Contacts2 code pages) as
// plain data, and its conversion to and from vCard 3.0 / 4.0. Pure functions, no I/O,
// thread-safe.
//
// vCard mapping (where no standard property exists, an X- property; the ones other
// writers use are read too):
//   FileAs FN | First/Middle/Last/Title(prefix)/Suffix N | CompanyName;Department ORG |
//   JobTitle TITLE | Email1..3 EMAIL: the one pinned by X-EAS-SLOT=1..3 (written by
//   easgate whenever the device changes an e-mail), else the free slots in document order;
//   further EMAILs are kept untouched | phones TEL by TYPE (work, home, cell,
//   car, pager, fax, x-radio, x-assistant, main-number/x-company-main) | addresses ADR
//   work/home/other | Birthday BDAY | Anniversary ANNIVERSARY (4.0) / X-ANNIVERSARY |
//   Picture PHOTO | Body NOTE | Categories CATEGORIES | WebPage URL | NickName NICKNAME |
//   IMAddress1..3 IMPP (also X-JABBER, X-AIM, ...) | Spouse X-SPOUSE (or RELATED;spouse) |
//   AssistantName X-ASSISTANT | ManagerName X-MANAGER | Children X-CHILD | YomiFirstName
//   X-PHONETIC-FIRST-NAME | YomiLastName X-PHONETIC-LAST-NAME | YomiCompanyName
//   X-PHONETIC-ORG | OfficeLocation X-EAS-OFFICE-LOCATION | CustomerId X-EAS-CUSTOMER-ID |
//   GovernmentId X-EAS-GOVERNMENT-ID | AccountName X-EAS-ACCOUNT-NAME | MMS X-EAS-MMS.
// Alias and WeightedRank exist only in recipient information cache responses (MS-ASCNTC
// 2.2.2.2, 2.2.2.72) and are never stored in a vCard. KEY X.509 certificates (3.0
// ENCODING=b;TYPE=X509, 4.0 data:application/pkix-cert URIs) are read for ResolveRecipients.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate::vcard {

// One postal address (MS-ASCNTC 2.2.2.x *AddressStreet/City/State/PostalCode/Country).
struct EasAddress {
  // Street, lines separated by "\r\n" on the EAS side (vCard ADR street component).
  std::string street;
  // City (ADR locality).
  std::string city;
  // State or province (ADR region).
  std::string state;
  // Postal code (ADR code).
  std::string postal_code;
  // Country (ADR country name).
  std::string country;

  bool empty() const {
    return street.empty() && city.empty() && state.empty() && postal_code.empty() &&
           country.empty();
  }
  friend bool operator==(const EasAddress&, const EasAddress&) = default;
};

// Every element of the Contacts (code page 1) and Contacts2 (code page 12) classes. An
// empty string means "the contact has no such value".
struct EasContact {
  std::string file_as;            // Contacts:FileAs, how the contact is filed (vCard FN)
  std::string first_name;         // Contacts:FirstName (N given)
  std::string middle_name;        // Contacts:MiddleName (N additional)
  std::string last_name;          // Contacts:LastName (N family)
  std::string suffix;             // Contacts:Suffix, "Jr." (N suffix)
  std::string title;              // Contacts:Title, the honorific "Dr." (N prefix)
  std::string company_name;       // Contacts:CompanyName (ORG first component)
  std::string department;         // Contacts:Department (ORG second component)
  std::string job_title;          // Contacts:JobTitle (vCard TITLE)
  std::string office_location;    // Contacts:OfficeLocation
  std::string email1_address;     // Contacts:Email1Address (may be "Name <addr>")
  std::string email2_address;     // Contacts:Email2Address
  std::string email3_address;     // Contacts:Email3Address
  std::string business_phone;     // Contacts:BusinessPhoneNumber
  std::string business2_phone;    // Contacts:Business2PhoneNumber
  std::string business_fax;       // Contacts:BusinessFaxNumber
  std::string home_phone;         // Contacts:HomePhoneNumber
  std::string home2_phone;        // Contacts:Home2PhoneNumber
  std::string home_fax;           // Contacts:HomeFaxNumber
  std::string mobile_phone;       // Contacts:MobilePhoneNumber
  std::string car_phone;          // Contacts:CarPhoneNumber
  std::string pager_number;       // Contacts:PagerNumber
  std::string radio_phone;        // Contacts:RadioPhoneNumber
  std::string assistant_phone;    // Contacts:AssistantPhoneNumber
  std::string company_main_phone; // Contacts2:CompanyMainPhone
  EasAddress business_address;    // Contacts:BusinessAddress*
  EasAddress home_address;        // Contacts:HomeAddress*
  EasAddress other_address;       // Contacts:OtherAddress*
  // Contacts:Birthday as MS-ASDTYPE dateTime "YYYY-MM-DDT00:00:00.000Z"; year 1604 means
  // "no year" (the convention Apple and Android use for --MMDD).
  std::string birthday;
  std::string anniversary;        // Contacts:Anniversary, same form as birthday
  std::string picture;            // Contacts:Picture, base64 (at most 48 KB, 2.2.2.58)
  std::string body;               // notes as plain text (AirSyncBase:Body type 1 / 2.5 Body)
  // True when the client sent a body this code cannot read (RTF, CompressedRTF): the
  // server's NOTE is then kept instead of being replaced or removed.
  bool body_unreadable = false;
  std::vector<std::string> categories;  // Contacts:Categories/Category
  std::vector<std::string> children;    // Contacts:Children/Child
  std::string web_page;           // Contacts:WebPage (vCard URL)
  std::string spouse;             // Contacts:Spouse
  std::string assistant_name;     // Contacts:AssistantName
  std::string manager_name;       // Contacts2:ManagerName
  std::string nick_name;          // Contacts2:NickName
  std::string im_address;         // Contacts2:IMAddress
  std::string im_address2;        // Contacts2:IMAddress2
  std::string im_address3;        // Contacts2:IMAddress3
  std::string customer_id;        // Contacts2:CustomerId
  std::string government_id;      // Contacts2:GovernmentId
  std::string account_name;       // Contacts2:AccountName
  std::string mms;                // Contacts2:MMS
  std::string yomi_first_name;    // Contacts:YomiFirstName (phonetic)
  std::string yomi_last_name;     // Contacts:YomiLastName (phonetic)
  std::string yomi_company_name;  // Contacts:YomiCompanyName (phonetic)
  // X.509 certificates of the contact's KEY properties (DER, base64), read-only: for
  // ResolveRecipients CertificateRetrieval (MS-ASCMD 2.2.3.23); never written to a vCard
  // (KEY lines stay untouched) and not part of the Contacts class.
  std::vector<std::string> certificates;
  std::string alias;              // Contacts:Alias (14.0+, RI cache only; not in vCards)
  std::optional<int32_t> weighted_rank;  // Contacts:WeightedRank (RI cache only)

  friend bool operator==(const EasContact&, const EasContact&) = default;
};

// The vCard dialect a brand-new card is written in.
enum class NewCardVersion : uint8_t {
  kV30,  // vCard 3.0: every CardDAV server takes it (RFC 6352 section 5.1)
  kV40,  // vCard 4.0, for a server that advertises it (RFC 6352bis address-data-type)
};

// How vcard_from_contact writes a new card (ignored when merging into an original).
struct VcardWriteOptions {
  // UID of a new card (CardDAV needs one, RFC 6352 section 5.1); the caller usually uses
  // the resource name. Empty: one is derived from a hash of the card's content.
  std::string uid;
  // Dialect of a new card.
  NewCardVersion version = NewCardVersion::kV30;
};

// The EAS view of a vCard 2.1 / 3.0 / 4.0. kMalformed / kTooLarge as parse_vcard says.
[[nodiscard]] Result<EasContact> contact_from_vcard(std::string_view vcf);

// The vCard for `contact`. With `original_vcf` (the server's current card) the result is
// that card with only what EAS carries changed: a property EAS does not carry (a fourth
// e-mail, X-SOCIALPROFILE, a PHOTO by URI, group labels, ADR post-office box) stays
// byte-for-byte (apart from folding), a changed value keeps its group and parameters, and
// the card keeps its version (2.1 is written as 3.0). Without it, a new card.
// Fails (kMalformed) only when `original_vcf` cannot be parsed, so nothing is overwritten
// that was not understood.
[[nodiscard]] Result<std::string> vcard_from_contact(const EasContact& contact,
                                                     const std::optional<std::string>& original_vcf,
                                                     const VcardWriteOptions& options = {});

// vCard date (3.0 "1985-04-12", "19850412", 4.0 "--0412", with an optional time) ->
// EAS "1985-04-12T00:00:00.000Z"; empty when unreadable.
std::string eas_date_from_vcard(std::string_view value);
// EAS dateTime -> vCard date in the card's syntax ("1985-04-12" for 3.0, "19850412" or
// "--0412" for 4.0). A time of day at or after 12:00 UTC is the next day: devices east of
// UTC send local midnight (MS-ASCNTC 2.2.2.6 says the time SHOULD be ignored). Empty when
// unreadable.
std::string vcard_date_from_eas(std::string_view eas, bool v40);

}  // namespace easgate::vcard
