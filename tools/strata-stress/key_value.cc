// Keys and values; see key_value.h.

#include "key_value.h"

namespace strata::stress {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr size_t kKeyDigits = 8;
constexpr size_t kValueHeader = 8;  // index, then generation, little-endian

// splitmix64: a cheap, well-mixed function of its input.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void PutFixed32(std::string* dst, uint32_t v) {
  for (int i = 0; i < 4; i++) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

std::string Escape(std::string_view bytes, size_t max) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; i++) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 15]);
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace

std::string KeyOf(uint32_t index) {
  static constexpr char kSuffixBytes[] = {'\0', '\xff', '-', 'z', '\x01'};
  std::string key(kKeyDigits, '0');
  for (size_t i = 0; i < kKeyDigits; i++) {
    key[kKeyDigits - 1 - i] = kHexDigits[(index >> (4 * i)) & 15];
  }
  uint64_t h = Mix(index);
  size_t suffix = h % 6;
  for (size_t i = 0; i < suffix; i++) {
    key.push_back(kSuffixBytes[(h >> (8 + 4 * i)) % sizeof(kSuffixBytes)]);
  }
  return key;
}

bool ParseKey(std::string_view key, uint32_t* index) {
  if (key.size() < kKeyDigits) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < kKeyDigits; i++) {
    char c = key[i];
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return false;
    v = (v << 4) | static_cast<uint32_t>(digit);
  }
  if (key != KeyOf(v)) return false;
  *index = v;
  return true;
}

std::string ValueOf(uint32_t index, uint32_t generation) {
  uint64_t h = Mix((uint64_t{index} << 32) | generation);
  // One value in 32 is large, so values span several blocks now and then.
  size_t body = (h >> 59) == 0 ? (h >> 8) % (16 << 10) : (h >> 8) % 300;
  std::string value;
  value.reserve(kValueHeader + body);
  PutFixed32(&value, index);
  PutFixed32(&value, generation);
  value.append(body / 2, static_cast<char>('a' + generation % 26));
  uint64_t r = h;
  while (value.size() < kValueHeader + body) {
    r = Mix(r);
    for (int i = 0; i < 8 && value.size() < kValueHeader + body; i++) {
      value.push_back(static_cast<char>((r >> (8 * i)) & 0xff));
    }
  }
  return value;
}

bool ParseValue(std::string_view value, uint32_t* index, uint32_t* generation) {
  if (value.size() < kValueHeader) return false;
  uint32_t i = DecodeFixed32(value.data());
  uint32_t g = DecodeFixed32(value.data() + 4);
  if (value != ValueOf(i, g)) return false;
  *index = i;
  *generation = g;
  return true;
}

std::string DescribeKey(std::string_view key) {
  uint32_t index;
  if (ParseKey(key, &index)) return "key " + std::to_string(index) + " (" + Escape(key, 32) + ")";
  return "foreign key '" + Escape(key, 32) + "'";
}

std::string DescribeValue(std::string_view value) {
  uint32_t index, generation;
  if (ParseValue(value, &index, &generation)) {
    return "value of key " + std::to_string(index) + " gen " + std::to_string(generation) + " (" +
           std::to_string(value.size()) + " bytes)";
  }
  std::string out = "malformed value of " + std::to_string(value.size()) + " bytes";
  if (value.size() >= kValueHeader) {
    out += " claiming key " + std::to_string(DecodeFixed32(value.data())) + " gen " +
           std::to_string(DecodeFixed32(value.data() + 4));
  }
  return out + " '" + Escape(value, 24) + "'";
}

}  // namespace strata::stress
