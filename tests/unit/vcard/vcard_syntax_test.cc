#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "backends/vcard/vcard_syntax.h"

namespace easgate::vcard {
namespace {

TEST_CASE("unfolding, groups, parameters, quoted values") {
  const std::string text =
      "BEGIN:VCARD\r\n"
      "VERSION:4.0\r\n"
      "FN:Jane\r\n"
      "  Doe\r\n"
      "item1.TEL;VALUE=uri;TYPE=\"voice,home\";PREF=1:tel:+1-555\r\n"
      "NOTE:line one\\nline two\\, with comma\r\n"
      "\tcontinued\r\n"
      "END:VCARD\r\n";
  Result<VcardCard> card = parse_vcard(text);
  REQUIRE(card.is_ok());
  CHECK(card->version == VcardVersion::k40);
  REQUIRE(card->properties.size() == 3);
  CHECK(card->properties[0].name == "FN");
  CHECK(card->properties[0].value == "Jane Doe");
  const VcardProperty& tel = card->properties[1];
  CHECK(tel.group == "item1");
  CHECK(tel.name == "TEL");
  CHECK(tel.has_type("home"));
  CHECK(tel.has_type("VOICE"));
  CHECK_FALSE(tel.has_type("work"));
  CHECK(tel.param("pref") == "1");
  CHECK(tel.value == "tel:+1-555");
  CHECK(unescape_text(card->properties[2].value) == "line one\nline two, with commacontinued");
}

TEST_CASE("vCard 2.1: bare types, QUOTED-PRINTABLE soft breaks, CHARSET, unindented base64") {
  const std::string text =
      "BEGIN:VCARD\n"
      "VERSION:2.1\n"
      "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\n"
      "TEL;WORK;VOICE:+49 30 1234\n"
      "NOTE;ENCODING=QUOTED-PRINTABLE:first line=0D=0A=\n"
      "second line\n"
      "PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQ\n"
      "SkZJRgAB\n"
      "\n"
      "END:VCARD\n";
  Result<VcardCard> card = parse_vcard(text);
  REQUIRE(card.is_ok());
  CHECK(card->version == VcardVersion::k21);
  REQUIRE(card->properties.size() == 4);
  CHECK(card->properties[0].value == "M\xC3\xBCller;J\xC3\xBCrgen");
  CHECK(card->properties[0].params.empty());
  CHECK(card->properties[1].has_type("work"));
  CHECK(card->properties[1].has_type("voice"));
  CHECK(card->properties[2].value == "first line\\nsecond line");
  CHECK(card->properties[3].is_base64());
  CHECK(card->properties[3].value == "/9j/4AAQSkZJRgAB");
  // Written back as 3.0: no QUOTED-PRINTABLE, no CHARSET, ENCODING=b.
  const std::string out = serialize_vcard(*card);
  CHECK(out.find("VERSION:3.0\r\n") != std::string::npos);
  CHECK(out.find("QUOTED-PRINTABLE") == std::string::npos);
  CHECK(out.find("CHARSET") == std::string::npos);
  CHECK(out.find("PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgAB\r\n") != std::string::npos);
}

TEST_CASE("malformed cards are refused with a reason") {
  const char* bad[] = {
      "",
      "FN:no begin\r\n",
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n",                        // no END
      "BEGIN:VCARD\r\nVERSION:5.0\r\nEND:VCARD\r\n",                   // version
      "BEGIN:VCARD\r\nVERSION:3.0\r\nno colon here\r\nEND:VCARD\r\n",  // no ':'
      "BEGIN:VCARD\r\nVERSION:3.0\r\nTEL;TYPE=\"open:1\r\nEND:VCARD\r\n",
      "BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\nBEGIN:VCARD\r\nEND:VCARD\r\n",
      "BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE:bad=G1\r\nEND:VCARD\r\n",
      "BEGIN:VCARD\r\nVERSION:2.1\r\nAGENT:\r\nBEGIN:VCARD\r\nEND:VCARD\r\nEND:VCARD\r\n",
      "BEGIN:VCARD\r\nVERSION:3.0\r\n.TEL:1\r\nEND:VCARD\r\n",
  };
  for (const char* text : bad) {
    CAPTURE(text);
    Result<VcardCard> card = parse_vcard(text);
    CHECK_FALSE(card.is_ok());
    if (!card.is_ok()) CHECK(card.status().kind() == ErrorKind::kMalformed);
  }
  CHECK(parse_vcard(std::string(kMaxVcardBytes + 1, 'x')).status().kind() == ErrorKind::kTooLarge);
}

TEST_CASE("8-bit text without CHARSET is read as Latin-1; NUL is dropped") {
  static const char kText[] = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ren\xE9\0x\r\nEND:VCARD\r\n";
  Result<VcardCard> card = parse_vcard(std::string(kText, sizeof kText - 1));
  REQUIRE(card.is_ok());
  CHECK(card->properties[0].value == "Ren\xC3\xA9x");
}

TEST_CASE("folding: at most 75 octets per line, never inside a UTF-8 sequence") {
  std::string line = "NOTE:";
  for (int i = 0; i < 60; ++i) line += "\xC3\xA9";  // é
  const std::string folded = fold_line(line);
  size_t start = 0;
  std::string unfolded;
  while (start < folded.size()) {
    const size_t end = folded.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    std::string_view piece(folded.data() + start, end - start);
    CHECK(piece.size() <= 75);
    if (start > 0) {
      REQUIRE(piece.front() == ' ');
      piece.remove_prefix(1);
      CHECK((static_cast<unsigned char>(piece.front()) & 0xC0) != 0x80);
    }
    unfolded += piece;
    start = end + 2;
  }
  CHECK(unfolded == line);
}

TEST_CASE("escaping round trip and escaped splitting") {
  const std::string text = "a,b;c\\d\ne";
  CHECK(escape_text(text) == "a\\,b\\;c\\\\d\\ne");
  CHECK(unescape_text(escape_text(text)) == text);
  CHECK(escape_text("x\r\ny") == "x\\ny");
  auto parts = split_escaped("Doe;John\\;Jr;;", ';');
  REQUIRE(parts.size() == 4);
  CHECK(parts[1] == "John\\;Jr");
  CHECK(unescape_text(parts[1]) == "John;Jr");
}

TEST_CASE("base64 both ways") {
  const std::string bytes("\x89PNG\r\n\x1a\n\0\xff", 10);
  std::string back;
  REQUIRE(base64_decode(base64_encode(bytes), &back));
  CHECK(back == bytes);
  CHECK(base64_encode("ab") == "YWI=");
  CHECK_FALSE(base64_decode("YW*=", &back));
  CHECK_FALSE(base64_decode("YW=I", &back));
}

}  // namespace
}  // namespace easgate::vcard
