#include <doctest/doctest.h>

#include <string>

#include "backends/vcard/eas_contact.h"
#include "backends/vcard/vcard_syntax.h"

namespace easgate::vcard {
namespace {

// A contact with every field that a vCard stores set (Alias and WeightedRank are RI-cache
// only and never stored).
EasContact full_contact() {
  EasContact c;
  c.file_as = "Doe, Jane";
  c.first_name = "Jane";
  c.middle_name = "Q.";
  c.last_name = "Doe";
  c.suffix = "Jr.";
  c.title = "Dr.";
  c.company_name = "Example; Inc.";
  c.department = "R&D";
  c.job_title = "Chief, Widgets";
  c.office_location = "Building 7";
  c.email1_address = "jane@example.test";
  c.email2_address = "jane.doe@example.test";
  c.email3_address = "jd@example.test";
  c.business_phone = "+1 555 0100";
  c.business2_phone = "+1 555 0101";
  c.business_fax = "+1 555 0102";
  c.home_phone = "+1 555 0103";
  c.home2_phone = "+1 555 0104";
  c.home_fax = "+1 555 0105";
  c.mobile_phone = "+1 555 0106";
  c.car_phone = "+1 555 0107";
  c.pager_number = "+1 555 0108";
  c.radio_phone = "+1 555 0109";
  c.assistant_phone = "+1 555 0110";
  c.company_main_phone = "+1 555 0111";
  c.business_address = {"1 Main St\nSuite 5", "Springfield", "IL", "62701", "USA"};
  c.home_address = {"2 Elm St", "Shelbyville", "IL", "62565", "USA"};
  c.other_address = {"3 Oak St", "Capital City", "", "99999", "Freedonia"};
  c.birthday = "1985-04-12T00:00:00.000Z";
  c.anniversary = "2010-06-30T00:00:00.000Z";
  c.picture = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  c.body = "Met at the conference.\nLikes tea, not coffee; really.";
  c.categories = {"Business", "VIP"};
  c.children = {"Tom", "Ann"};
  c.web_page = "https://jane.example.test/a,b";
  c.spouse = "John Doe";
  c.assistant_name = "Igor";
  c.manager_name = "The Boss";
  c.nick_name = "JD";
  c.im_address = "xmpp:jane@example.test";
  c.im_address2 = "sip:jane@example.test";
  c.im_address3 = "aim:janedoe";
  c.customer_id = "C-42";
  c.government_id = "123-45-6789";
  c.account_name = "jdoe";
  c.mms = "+1 555 0199";
  c.yomi_first_name = "ジェーン";
  c.yomi_last_name = "ドウ";
  c.yomi_company_name = "エグザンプル";
  return c;
}

TEST_CASE("every EAS field survives EAS -> new vCard -> EAS, in 3.0 and 4.0") {
  for (NewCardVersion v : {NewCardVersion::kV30, NewCardVersion::kV40}) {
    CAPTURE(static_cast<int>(v));
    const EasContact c = full_contact();
    Result<std::string> vcf = vcard_from_contact(c, std::nullopt, {"uid-1", v});
    REQUIRE(vcf.is_ok());
    CHECK(vcf->find(v == NewCardVersion::kV40 ? "VERSION:4.0\r\n" : "VERSION:3.0\r\n") !=
          std::string::npos);
    CHECK(vcf->find("UID:uid-1\r\n") != std::string::npos);
    Result<EasContact> back = contact_from_vcard(*vcf);
    REQUIRE(back.is_ok());
    CHECK(*back == c);
    // Writing the same contact into its own card changes nothing at all.
    Result<std::string> again = vcard_from_contact(c, *vcf);
    REQUIRE(again.is_ok());
    CHECK(*again == *vcf);
  }
}

TEST_CASE("a typical vCard 3.0 from a CardDAV client") {
  const std::string vcf =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
      "N:Appleseed;Johnny;;Mr.;\r\nFN:Johnny Appleseed\r\n"
      "ORG:Apple Inc.;Engineering;Team A\r\nTITLE:Engineer\r\n"
      "EMAIL;type=INTERNET;type=HOME;type=pref:johnny@example.test\r\n"
      "EMAIL;type=INTERNET;type=WORK:ja@apple.example\r\n"
      "TEL;type=CELL;type=VOICE;type=pref:+1 (555) 123-4567\r\n"
      "TEL;type=WORK;type=VOICE:+1 555 000 1111\r\n"
      "TEL;type=HOME;type=FAX:+1 555 000 2222\r\n"
      "TEL:+1 555 000 3333\r\n"
      "item1.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States\r\n"
      "item1.X-ABADR:us\r\n"
      "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-01\r\n"
      "CATEGORIES:Friends,Work\r\nCATEGORIES:Golf\r\n"
      "X-SOCIALPROFILE;type=twitter:https://twitter.com/johnny\r\n"
      "NOTE:Line1\\nLine2\r\nUID:abc-123\r\nEND:VCARD\r\n";
  Result<EasContact> c = contact_from_vcard(vcf);
  REQUIRE(c.is_ok());
  CHECK(c->file_as == "Johnny Appleseed");
  CHECK(c->first_name == "Johnny");
  CHECK(c->last_name == "Appleseed");
  CHECK(c->title == "Mr.");
  CHECK(c->company_name == "Apple Inc.");
  CHECK(c->department == "Engineering");
  CHECK(c->job_title == "Engineer");
  CHECK(c->email1_address == "johnny@example.test");
  CHECK(c->email2_address == "ja@apple.example");
  CHECK(c->email3_address.empty());
  CHECK(c->mobile_phone == "+1 (555) 123-4567");
  CHECK(c->business_phone == "+1 555 000 1111");
  CHECK(c->home_fax == "+1 555 000 2222");
  CHECK(c->home_phone == "+1 555 000 3333");
  CHECK(c->home_address.street == "1 Infinite Loop");
  CHECK(c->home_address.city == "Cupertino");
  CHECK(c->home_address.postal_code == "95014");
  CHECK(c->birthday == "1604-03-01T00:00:00.000Z");
  CHECK(c->categories == std::vector<std::string>{"Friends", "Work", "Golf"});
  CHECK(c->body == "Line1\nLine2");
}

TEST_CASE("vCard 4.0: data URI photo, --MMDD, ANNIVERSARY, tel: URI, RELATED spouse") {
  const std::string vcf =
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann\r\nN:;Ann;;;\r\n"
      "PHOTO:data:image/png;base64,iVBORw0K\r\n"
      "BDAY:--0412\r\nANNIVERSARY:20100630\r\n"
      "TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+1-555-555-5555\r\n"
      "RELATED;TYPE=spouse;VALUE=text:Bob\r\n"
      "RELATED;TYPE=friend:urn:uuid:03a0e51f\r\n"
      "IMPP;PREF=1:xmpp:ann@example.test\r\nEND:VCARD\r\n";
  Result<EasContact> c = contact_from_vcard(vcf);
  REQUIRE(c.is_ok());
  CHECK(c->picture == "iVBORw0K");
  CHECK(c->birthday == "1604-04-12T00:00:00.000Z");
  CHECK(c->anniversary == "2010-06-30T00:00:00.000Z");
  CHECK(c->mobile_phone == "+1-555-555-5555");
  CHECK(c->spouse == "Bob");
  CHECK(c->im_address == "xmpp:ann@example.test");
  // Changing the birthday keeps the --MMDD form for a date without a year.
  EasContact changed = *c;
  changed.birthday = "1604-05-01T00:00:00.000Z";
  Result<std::string> out = vcard_from_contact(changed, vcf);
  REQUIRE(out.is_ok());
  CHECK(out->find("BDAY:--0501\r\n") != std::string::npos);
  CHECK(out->find("RELATED;TYPE=friend:urn:uuid:03a0e51f\r\n") != std::string::npos);
}

TEST_CASE("an EAS change keeps everything EAS does not carry, byte for byte") {
  const std::string original =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:keep-me\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\n"
      "ORG:Acme;Sales;EMEA\r\n"
      "EMAIL;TYPE=INTERNET:a@example.test\r\nEMAIL;TYPE=INTERNET:b@example.test\r\n"
      "EMAIL;TYPE=INTERNET:c@example.test\r\nEMAIL;TYPE=INTERNET:fourth@example.test\r\n"
      "item2.TEL;TYPE=WORK,VOICE:+1 555 0100\r\nitem2.X-ABLabel:desk\r\n"
      "TEL;TYPE=CELL:+1 555 0200\r\nTEL;TYPE=CELL:+1 555 0201\r\n"
      "ADR;TYPE=WORK:PO Box 7;Floor 3;1 Main St;Springfield;IL;62701;USA\r\n"
      "PHOTO;VALUE=uri:https://example.test/jane.jpg\r\n"
      "X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/jane\r\n"
      "X-CUSTOM;X-PARAM=\"a:b\":value\\, kept\r\n"
      "NOTE:Secret notes\r\n"
      "END:VCARD\r\n";
  Result<EasContact> c = contact_from_vcard(original);
  REQUIRE(c.is_ok());
  EasContact changed = *c;
  changed.first_name = "Janet";
  changed.business_phone = "+1 555 0999";
  changed.business_address.city = "Shelbyville";
  changed.department = "Marketing";
  changed.email2_address.clear();  // deleted on the device
  changed.body_unreadable = true;  // the device sent an RTF body: NOTE stays
  changed.body.clear();
  Result<std::string> out = vcard_from_contact(changed, original);
  REQUIRE(out.is_ok());
  const std::string& v = *out;
  for (const char* kept :
       {"UID:keep-me\r\n", "FN:Jane Doe\r\n", "EMAIL;TYPE=INTERNET:a@example.test\r\n",
        "EMAIL;TYPE=INTERNET:fourth@example.test\r\n", "item2.X-ABLabel:desk\r\n",
        "TEL;TYPE=CELL:+1 555 0200\r\n", "TEL;TYPE=CELL:+1 555 0201\r\n",
        "PHOTO;VALUE=uri:https://example.test/jane.jpg\r\n",
        "X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/jane\r\n",
        "X-CUSTOM;X-PARAM=\"a:b\":value\\, kept\r\n", "NOTE:Secret notes\r\n"}) {
    CAPTURE(kept);
    CHECK(v.find(kept) != std::string::npos);
  }
  CHECK(v.find("b@example.test") == std::string::npos);
  CHECK(v.find("N:Doe;Janet;;;\r\n") != std::string::npos);
  CHECK(v.find("item2.TEL;TYPE=WORK,VOICE:+1 555 0999\r\n") != std::string::npos);
  CHECK(v.find("ADR;TYPE=WORK:PO Box 7;Floor 3;1 Main St;Shelbyville;IL;62701;USA\r\n") !=
        std::string::npos);
  CHECK(v.find("ORG:Acme;Marketing;EMEA\r\n") != std::string::npos);
  Result<EasContact> back = contact_from_vcard(v);
  REQUIRE(back.is_ok());
  CHECK(back->first_name == "Janet");
  // Email3 keeps its slot (pinned with X-EAS-SLOT=3); the fourth EMAIL, untouched, fills
  // the slot the device emptied.
  CHECK(v.find("EMAIL;TYPE=INTERNET;X-EAS-SLOT=3:c@example.test\r\n") != std::string::npos);
  CHECK(back->email2_address == "fourth@example.test");
  CHECK(back->email3_address == "c@example.test");
  CHECK(back->body == "Secret notes");
}

TEST_CASE("clearing a field on the device removes its property") {
  const std::string original =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nN:;X;;;\r\nTITLE:Boss\r\nURL:https://x.test\r\n"
      "CATEGORIES:A,B\r\nX-CHILD:Kid\r\nEND:VCARD\r\n";
  Result<EasContact> c = contact_from_vcard(original);
  REQUIRE(c.is_ok());
  EasContact changed = *c;
  changed.job_title.clear();
  changed.web_page.clear();
  changed.categories.clear();
  changed.children.clear();
  Result<std::string> out = vcard_from_contact(changed, original);
  REQUIRE(out.is_ok());
  CHECK(*out == "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nN:;X;;;\r\nEND:VCARD\r\n");
}

TEST_CASE("a vCard 2.1 original is answered as 3.0 with its values intact") {
  const std::string original =
      "BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:M=C3=BCller;Hans\r\n"
      "TEL;HOME:123\r\nX-FOO;ENCODING=QUOTED-PRINTABLE:a=3Db\r\nEND:VCARD\r\n";
  Result<EasContact> c = contact_from_vcard(original);
  REQUIRE(c.is_ok());
  CHECK(c->last_name == "M\xC3\xBCller");
  EasContact changed = *c;
  changed.home_phone = "456";
  Result<std::string> out = vcard_from_contact(changed, original);
  REQUIRE(out.is_ok());
  CHECK(out->find("VERSION:3.0\r\n") != std::string::npos);
  CHECK(out->find("TEL;TYPE=HOME:456\r\n") != std::string::npos);
  CHECK(out->find("X-FOO:a=b\r\n") != std::string::npos);
  CHECK(out->find("N:M\xC3\xBCller;Hans") != std::string::npos);
}

TEST_CASE("an unparseable original is never overwritten") {
  Result<std::string> out = vcard_from_contact(full_contact(), std::string("garbage"));
  CHECK_FALSE(out.is_ok());
  CHECK(out.status().kind() == ErrorKind::kMalformed);
}

TEST_CASE("dates between vCard and EAS") {
  struct Row {
    const char* vcard;
    const char* eas;
  };
  const Row rows[] = {{"1985-04-12", "1985-04-12T00:00:00.000Z"},
                      {"19850412", "1985-04-12T00:00:00.000Z"},
                      {"--0412", "1604-04-12T00:00:00.000Z"},
                      {"--04-12", "1604-04-12T00:00:00.000Z"},
                      {"1985-04-12T10:00:00Z", "1985-04-12T00:00:00.000Z"},
                      {"1985-13-01", ""},
                      {"April", ""}};
  for (const Row& r : rows) {
    CAPTURE(r.vcard);
    CHECK(eas_date_from_vcard(r.vcard) == r.eas);
  }
  CHECK(vcard_date_from_eas("1985-04-12T00:00:00.000Z", false) == "1985-04-12");
  CHECK(vcard_date_from_eas("1985-04-12T00:00:00.000Z", true) == "19850412");
  // Local midnight of a device at UTC+2 is 22:00 the day before.
  CHECK(vcard_date_from_eas("1985-04-11T22:00:00.000Z", false) == "1985-04-12");
  CHECK(vcard_date_from_eas("1984-12-31T23:00:00.000Z", false) == "1985-01-01");
  CHECK(vcard_date_from_eas("1604-02-28T23:00:00.000Z", true) == "--0229");
  CHECK(vcard_date_from_eas("junk", false).empty());
}

TEST_CASE("an e-mail keeps its EAS slot across the round trip (X-EAS-SLOT)") {
  EasContact solo;
  solo.first_name = "Solo";
  solo.email3_address = "solo@c.example";
  for (NewCardVersion v : {NewCardVersion::kV30, NewCardVersion::kV40}) {
    Result<std::string> vcf = vcard_from_contact(solo, std::nullopt, {"uid-s", v});
    REQUIRE(vcf.is_ok());
    CHECK(vcf->find("X-EAS-SLOT=3:solo@c.example") != std::string::npos);
    Result<EasContact> back = contact_from_vcard(*vcf);
    REQUIRE(back.is_ok());
    CHECK(back->email1_address.empty());
    CHECK(back->email3_address == "solo@c.example");
  }

  // Another client's card: the unpinned EMAILs fill the free slots in document order, a
  // fourth stays untouched; removing Email1 on the device keeps Email2 in slot 2.
  const std::string card =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Multi\r\nN:;Multi;;;\r\n"
      "EMAIL;TYPE=HOME:a@x.example\r\nEMAIL;TYPE=WORK:b@x.example\r\n"
      "EMAIL:c@x.example\r\nEMAIL;TYPE=OTHER:d@x.example\r\nUID:m1\r\nEND:VCARD\r\n";
  Result<EasContact> multi = contact_from_vcard(card);
  REQUIRE(multi.is_ok());
  CHECK(multi->email1_address == "a@x.example");
  CHECK(multi->email3_address == "c@x.example");
  EasContact changed = *multi;
  changed.email1_address.clear();
  Result<std::string> merged = vcard_from_contact(changed, card);
  REQUIRE(merged.is_ok());
  CHECK(merged->find("a@x.example") == std::string::npos);
  CHECK(merged->find("EMAIL;TYPE=OTHER:d@x.example\r\n") != std::string::npos);
  CHECK(merged->find("EMAIL;TYPE=WORK;X-EAS-SLOT=2:b@x.example\r\n") != std::string::npos);
  Result<EasContact> again = contact_from_vcard(*merged);
  REQUIRE(again.is_ok());
  CHECK(again->email1_address == "d@x.example");  // the untouched fourth fills the free slot
  CHECK(again->email2_address == "b@x.example");
  CHECK(again->email3_address == "c@x.example");
  // Clearing the last slot moves nothing: no pins needed, the rest stays byte-for-byte.
  EasContact last = *multi;
  last.email3_address.clear();
  Result<std::string> trimmed = vcard_from_contact(last, card);
  REQUIRE(trimmed.is_ok());
  CHECK(trimmed->find("X-EAS-SLOT") == std::string::npos);
  CHECK(trimmed->find("EMAIL;TYPE=HOME:a@x.example\r\n") != std::string::npos);

  // A pin that names a taken or unknown slot falls back to document order.
  Result<EasContact> odd = contact_from_vcard(
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:O\r\nEMAIL;X-EAS-SLOT=2:p@x.example\r\n"
      "EMAIL;X-EAS-SLOT=2:q@x.example\r\nEMAIL;X-EAS-SLOT=9:r@x.example\r\nEND:VCARD\r\n");
  REQUIRE(odd.is_ok());
  CHECK(odd->email2_address == "p@x.example");
  CHECK(odd->email1_address == "q@x.example");
  CHECK(odd->email3_address == "r@x.example");
}

TEST_CASE("KEY X.509 certificates are read for ResolveRecipients, other keys are not") {
  // "MAMCAQA=" is the DER SEQUENCE 30 03 02 01 00; "AQID" (01 02 03) is not a certificate.
  Result<EasContact> c = contact_from_vcard(
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:K\r\nKEY;ENCODING=b;TYPE=X509:MAMC AQA=\r\n"
      "KEY;ENCODING=b;TYPE=PGP:MAMCAQA=\r\nKEY;ENCODING=b:AQID\r\n"
      "KEY;VALUE=uri:https://example.test/k.cer\r\nEND:VCARD\r\n");
  REQUIRE(c.is_ok());
  CHECK(c->certificates == std::vector<std::string>{"MAMCAQA="});
  Result<EasContact> v4 = contact_from_vcard(
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:K\r\n"
      "KEY:data:application/pkix-cert;base64,MAMCAQA=\r\n"
      "KEY;MEDIATYPE=application/pgp-keys:data:application/pgp-keys;base64,MAMCAQA=\r\n"
      "END:VCARD\r\n");
  REQUIRE(v4.is_ok());
  CHECK(v4->certificates == std::vector<std::string>{"MAMCAQA="});
  // Never written back: an EAS change leaves KEY alone.
  EasContact changed = *v4;
  changed.file_as = "K2";
  Result<std::string> out = vcard_from_contact(changed, std::string(
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:K\r\nKEY:data:application/pkix-cert;base64,MAMCAQA=\r\n"
      "END:VCARD\r\n"));
  REQUIRE(out.is_ok());
  CHECK(out->find("KEY:data:application/pkix-cert;base64,MAMCAQA=\r\n") != std::string::npos);
}

}  // namespace
}  // namespace easgate::vcard
