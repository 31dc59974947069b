// Whether this build runs under a sanitizer, for code whose behaviour must
// differ there: the arena keeps heap blocks under AddressSanitizer (so their
// ends stay guarded), and memory-budget tests skip their RSS bounds under any
// sanitizer (shadow memory and quarantine dominate resident memory). GCC
// defines __SANITIZE_*__; clang answers __has_feature.
//
// Thread-safety: compile-time constants.

#ifndef STRATA_UTIL_SANITIZERS_H_
#define STRATA_UTIL_SANITIZERS_H_

namespace strata {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadOrMemorySanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
inline constexpr bool kThreadOrMemorySanitizer = true;
#else
inline constexpr bool kThreadOrMemorySanitizer = false;
#endif
#else
inline constexpr bool kThreadOrMemorySanitizer = false;
#endif

inline constexpr bool kAnySanitizer = kAddressSanitizer || kThreadOrMemorySanitizer;

}  // namespace strata

#endif  // STRATA_UTIL_SANITIZERS_H_
