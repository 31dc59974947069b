// The blocking-command registry and helpers; see blocking.h.

#include "server/blocking.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "server/commands.h"

namespace strata::server {

void BlockingRegistry::Block(uint64_t client_id, uint64_t seq,
                             const std::vector<std::string_view>& keys, WakeFunction wake) {
  MutexLock lock(&mu_);
  Waiter& w = waiters_[client_id];
  w.seq = seq;
  w.wake = std::move(wake);
  w.keys.clear();
  for (std::string_view key : keys) {
    if (std::find(w.keys.begin(), w.keys.end(), key) != w.keys.end()) continue;
    w.keys.emplace_back(key);
    queues_[w.keys.back()].push_back(client_id);
  }
  blocked_.store(waiters_.size(), std::memory_order_release);
}

void BlockingRegistry::Unblock(uint64_t client_id) {
  std::vector<std::pair<uint64_t, WakeFunction>> wakes;
  {
    MutexLock lock(&mu_);
    auto it = waiters_.find(client_id);
    if (it == waiters_.end()) return;
    for (const std::string& key : it->second.keys) {
      auto q = queues_.find(key);
      if (q == queues_.end()) continue;
      std::deque<uint64_t>& queue = q->second;
      bool was_head = !queue.empty() && queue.front() == client_id;
      queue.erase(std::remove(queue.begin(), queue.end(), client_id), queue.end());
      if (queue.empty()) {
        queues_.erase(q);
        continue;
      }
      if (!was_head) continue;
      const Waiter& next = waiters_.at(queue.front());
      wakes.emplace_back(next.seq, next.wake);
    }
    waiters_.erase(it);
    blocked_.store(waiters_.size(), std::memory_order_release);
  }
  for (auto& [seq, wake] : wakes) wake(seq, nullptr);
}

bool BlockingRegistry::Signal(std::string_view key, const std::shared_ptr<ReplyHold>& hold) {
  if (blocked_.load(std::memory_order_acquire) == 0) return false;
  uint64_t seq;
  WakeFunction wake;
  {
    MutexLock lock(&mu_);
    auto q = queues_.find(std::string(key));
    if (q == queues_.end()) return false;
    const Waiter& head = waiters_.at(q->second.front());
    seq = head.seq;
    wake = head.wake;
  }
  wake(seq, hold);
  return true;
}

std::vector<uint64_t> BlockingRegistry::Waiters(std::string_view key) const {
  MutexLock lock(&mu_);
  auto q = queues_.find(std::string(key));
  if (q == queues_.end()) return {};
  return std::vector<uint64_t>(q->second.begin(), q->second.end());
}

bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, uint64_t* deadline_ms) {
  // As Redis's getLongDoubleFromObject: the whole argument is the number, no
  // leading blank, not NaN.
  std::string text(arg);
  char* end = nullptr;
  errno = 0;
  long double seconds = text.empty() ? 0 : std::strtold(text.c_str(), &end);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])) ||
      end != text.c_str() + text.size() || errno == ERANGE || std::isnan(seconds)) {
    ctx.reply->Error("ERR timeout is not a float or out of range");
    return false;
  }
  long double ms = std::ceil(seconds * 1000.0L);
  if (ms < 0) {
    ctx.reply->Error("ERR timeout is negative");
    return false;
  }
  // Redis converts to a long long; beyond that (or beyond what a deadline
  // can hold) it is out of range.
  constexpr long double kMaxMs = static_cast<long double>(std::numeric_limits<int64_t>::max() / 2);
  if (ms >= kMaxMs) {
    ctx.reply->Error("ERR timeout is out of range");
    return false;
  }
  *deadline_ms = ms == 0 ? 0 : NowMs() + static_cast<uint64_t>(ms);
  return true;
}

bool BlockOrTimeout(CommandContext& ctx, const std::vector<std::string_view>& keys,
                    uint64_t deadline_ms) {
  ClientState* client = ctx.client;
  if (client->in_exec || !client->wake) return false;
  if (client->blocked) {
    // A re-run: the client keeps its place in every queue, unless this is
    // the deadline's re-run.
    if (client->block_timed_out) return false;
    client->block_requested = true;
    return true;
  }
  client->block_seq++;
  client->block_deadline_ms = deadline_ms;
  client->block_requested = true;
  ctx.state->blocking()->Block(client->id, client->block_seq, keys, client->wake);
  return true;
}

namespace {

// Signals `key` under the client's reply hold, creating the hold when the
// client's connection can be held (client->hold_release) and someone waits.
void SignalHeld(BlockingRegistry* registry, ClientState* client, std::string_view key) {
  if (!client->hold_release || registry->blocked_clients() == 0) {
    registry->Signal(key);
    return;
  }
  bool created = client->hold == nullptr;
  if (created) client->hold = std::make_shared<ReplyHold>(client->hold_release);
  if (!registry->Signal(key, client->hold) && created) {
    // Nobody was woken: no hold, and nothing to release.
    client->hold->Disarm();
    client->hold = nullptr;
    return;
  }
  if (created) client->hold->parent = client->parent_hold;
}

}  // namespace

void SignalKeyReady(CommandContext& ctx, std::string_view key) {
  if (ctx.client->in_exec) {
    ctx.client->ready_keys.emplace_back(key);
    return;
  }
  SignalHeld(ctx.state->blocking(), ctx.client, key);
}

void SignalReadyKeys(BlockingRegistry* registry, ClientState* client) {
  for (const std::string& key : client->ready_keys) SignalHeld(registry, client, key);
  client->ready_keys.clear();
}

}  // namespace strata::server
