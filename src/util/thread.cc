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

#if defined(__linux__)
namespace {

// On Linux the nice value belongs to the thread: PRIO_PROCESS with a thread
// id reads or changes that thread alone.
id_t CurrentThreadId() { return static_cast<id_t>(::syscall(SYS_gettid)); }

// The nice value of thread `tid`; false if the OS would not say (-1 is also
// a valid nice value, so errno tells the two apart).
bool ThreadNice(id_t tid, int* nice) {
  errno = 0;
  *nice = ::getpriority(PRIO_PROCESS, tid);
  return !(*nice == -1 && errno != 0);
}

}  // namespace
#endif

bool LowerCurrentThreadPriority(int increment) {
  if (increment <= 0) return true;
#if defined(__linux__)
  const id_t tid = CurrentThreadId();
  int current = 0;
  if (!ThreadNice(tid, &current)) return false;
  int target = current + increment;
  if (target > 19) target = 19;
  return ::setpriority(PRIO_PROCESS, tid, target) == 0;
#else
  return false;
#endif
}

int CurrentThreadNice() {
#if defined(__linux__)
  int nice = 0;
  return ThreadNice(CurrentThreadId(), &nice) ? nice : 0;
#else
  return 0;
#endif
}

}  // namespace strata
