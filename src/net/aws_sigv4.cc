#include "sensorlake/net/aws_sigv4.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "sensorlake/common/sha256.h"

namespace sensorlake::net {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string AmzDateNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[20];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

struct UrlParts {
  std::string authority, path, query;
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  size_t slash = rest.find_first_of("/?");
  parts.authority = std::string(rest.substr(0, slash));
  std::string_view target = slash == std::string_view::npos ? "/" : rest.substr(slash);
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  parts.path.assign(path.empty() ? std::string_view("/") : path);
  if (q != std::string_view::npos) parts.query.assign(target.substr(q + 1));
  return parts;
}

// Query parameters sorted by name (then value), each given as encoded in the URL.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    size_t eq = item.find('=');
    params.emplace_back(std::string(item.substr(0, eq)),
                        eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1)));
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    out += (out.empty() ? "" : "&") + name + "=" + value;
  }
  return out;
}

}  // namespace

std::vector<std::string> SigV4Headers(const SigV4Request& r) {
  const std::string amz_date = r.amz_date.empty() ? AmzDateNow() : r.amz_date;
  const std::string day = amz_date.substr(0, 8);
  UrlParts url = SplitUrl(r.url);

  std::map<std::string, std::string> signed_headers = {{"host", url.authority},
                                                       {"x-amz-date", amz_date}};
  std::string payload_hash;
  for (const std::string& h : r.headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos) continue;
    std::string name = Lower(Trim(std::string_view(h).substr(0, colon)));
    std::string value(Trim(std::string_view(h).substr(colon + 1)));
    if (value.empty()) continue;  // "Expect:" and the like remove a header
    if (name == "x-amz-content-sha256") payload_hash = value;
    if (name == "content-type" || name.starts_with("x-amz-")) signed_headers[name] = value;
  }
  if (payload_hash.empty()) payload_hash = Sha256::Hex(r.body);

  std::string canonical_headers, header_names;
  for (const auto& [name, value] : signed_headers) {
    canonical_headers += name + ":" + value + "\n";
    header_names += (header_names.empty() ? "" : ";") + name;
  }
  std::string canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", r.method, url.path, CanonicalQuery(url.query),
                  canonical_headers, header_names, payload_hash);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", day, r.region, r.service);
  std::string string_to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, Sha256::Hex(canonical_request));
  std::string key = Sha256::Hmac("AWS4" + r.secret, day);
  key = Sha256::Hmac(key, r.region);
  key = Sha256::Hmac(key, r.service);
  key = Sha256::Hmac(key, "aws4_request");
  std::string signature = Sha256::HexEncode(Sha256::Hmac(key, string_to_sign));
  return {"Host: " + url.authority, "X-Amz-Date: " + amz_date,
          fmt::format("Authorization: AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, "
                      "Signature={}",
                      r.key, scope, header_names, signature)};
}

}  // namespace sensorlake::net
