// Thread names and priorities; see thread.h.

#include "util/thread.h"

#include <pthread.h>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#endif

#include <cstring>

namespace strata {

void SetCurrentThreadName(const char* name) {
#if defined(__linux__)
  char buf[16];
  std::strncpy(buf, name, sizeof(buf) - 1);
  buf[sizeof(buf) - 1] = '\0';
  (void)pthread_setname_np(pthread_self(), buf);
#else
  (void)name;
#endif
}

bool LowerCurrentThreadPriority(int increment) {
  if (increment <= 0) return true;
#if defined(__linux__)
  // On Linux the nice value belongs to the thread: PRIO_PROCESS with a
  // thread id changes that thread alone.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, tid);
  if (current == -1 && errno != 0) return false;
  int target = current + increment;
  if (target > 19) target = 19;
  return ::setpriority(PRIO_PROCESS, tid, target) == 0;
#else
  return false;
#endif
}

int CurrentThreadNice() {
#if defined(__linux__)
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, tid);
  return (nice == -1 && errno != 0) ? 0 : nice;
#else
  return 0;
#endif
}

}  // namespace strata
