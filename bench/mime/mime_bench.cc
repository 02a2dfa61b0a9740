// easgate_bench_mime [iterations]: parse + Email fields + attachments + HTML body truncated
// at 5,120 bytes with a 255-character preview, per message, single thread.
// The mail issue's target is 2,000 messages/s for a whole initial sync; this is the
// conversion's share of that budget.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "backends/mime/attachments.h"
#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"

using namespace easgate::mime;

namespace {

// A typical client message: multipart/alternative, quoted-printable UTF-8 plain and HTML
// parts with a little non-ASCII text, RFC 2047 names, a thread; about 20 KB.
std::string typical_message() {
  const std::string sentence =
      "Gr\xC3\xBC\xC3\x9F"
      "e from M\xC3\xBCnchen: the vendor confirmed the delivery date, "
      "please keep the customer in the loop. ";
  std::string plain;
  std::string html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>p{margin:0}"
      "</style></head><body style=\"font-family:sans-serif\">";
  while (plain.size() < 7800) {
    plain += sentence + sentence + "\n";
    html += "<p>" + sentence + "<b>" + sentence + "</b></p>\n";
  }
  html += "</body></html>\n";
  auto qp = [](const std::string& text) {
    std::string out;
    size_t col = 0;
    for (unsigned char c : text) {
      std::string piece;
      if (c == '\n') {
        out += "\r\n";
        col = 0;
        continue;
      }
      if (c >= 128 || c == '=') {
        char buf[4];
        snprintf(buf, sizeof(buf), "=%02X", c);
        piece = buf;
      } else {
        piece = std::string(1, static_cast<char>(c));
      }
      if (col + piece.size() > 75) {
        out += "=\r\n";
        col = 0;
      }
      out += piece;
      col += piece.size();
    }
    return out;
  };
  return "Return-Path: <bob@example.test>\r\n"
         "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen.mueller@example.de>\r\n"
         "To: \"Alice Example\" <alice@example.test>, Bob <bob@example.test>\r\n"
         "Cc: carol@partner.example\r\n"
         "Subject: Re: =?utf-8?q?=C3=84nderungen_f=C3=BCr_die_=C3=9Cbergabe?=\r\n"
         "Date: Fri, 27 Nov 2026 08:00:00 +0000\r\n"
         "Message-ID: <bench-1@example.test>\r\n"
         "In-Reply-To: <bench-0@example.test>\r\nReferences: <bench-0@example.test>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/alternative; boundary=\"=_bench\"\r\n\r\n"
         "--=_bench\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
         qp(plain) +
         "\r\n--=_bench\r\nContent-Type: text/html; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
         qp(html) + "\r\n--=_bench--\r\n";
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 20000;
  if (iterations <= 0) iterations = 20000;
  std::string message = typical_message();
  size_t checksum = 0;
  BodyRequest request{BodyType::kHtml, 5120, false, 255};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    auto parsed = MimeMessage::parse(message);
    if (!parsed) {
      fprintf(stderr, "parse failed: %s\n", parsed.status().to_string().c_str());
      return 1;
    }
    EasEmailFields fields = extract_email_fields(*parsed, {});
    EasBody body = make_body(*parsed, request);
    checksum += fields.subject.size() + body.data.size() + body.preview.size() +
                list_attachments(*parsed).size();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf("mime: %zu-byte multipart/alternative -> fields + HTML body truncated at 5120\n",
         message.size());
  printf("mime: %d messages in %.3f s = %.0f messages/s (%.1f us/message) [checksum %zu]\n",
         iterations, seconds, iterations / seconds, seconds * 1e6 / iterations, checksum);
  return 0;
}
