// NetworkServer: see network.h.

#include "server/network.h"

#include <sys/socket.h>
#include <asio.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "server/commands.h"
#include "server/reply_writer.h"
#include "server/resp_parser.h"

namespace strata::server {

namespace {

using asio::ip::tcp;

constexpr size_t kReadChunk = 16 * 1024;

const char kDenied[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same host "
    "the server is running, however MAKE SURE Redis is not publicly accessible from internet if "
    "you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just "
    "disable the protected mode by editing the Redis configuration file, and setting the "
    "protected mode option to 'no', and then restarting the server. 3) If you started the server "
    "manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "
    "authentication password for the default user. NOTE: You only need to do one of the above "
    "things in order for the server to start accepting connections from the outside.\r\n";

std::string Endpoint(const tcp::endpoint& endpoint) {
  const asio::ip::address& address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

bool IsLoopback(const asio::ip::address& address) {
  if (address.is_loopback()) return true;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return false;
}

class Worker;

// A client socket whose reads tell Asio's reactor when they drained it.
//
// Asio 1.22's async_read_some starts with a speculative recv(2) and counts
// a stream socket as drained only at end of file, so a request-reply client
// costs two recv calls per request: the one that reads the request and the
// speculative one, issued while the client still waits for the reply, that
// fails with EAGAIN (1.2 us each on this project's VM, against Redis's one
// read per request). async_wait, which does not speculate, re-arms the
// descriptor with epoll_ctl instead, at the same price.
//
// ReadSome's operation returns done_and_exhausted after a short read: the
// reactor then queues the next read without trying it, and it runs when
// epoll reports the next bytes. Nothing is missed: the socket is
// registered edge-triggered, an arrival after the short read raises a new
// event, and an event that finds no read queued marks the descriptor for a
// speculative try (both under the descriptor's lock). A full read (the
// buffer filled) may leave bytes behind and is followed by a speculative
// read, as before.
//
// Thread-safety: as tcp::socket; at most one ReadSome in flight.
class ClientSocket : public tcp::socket {
 public:
  explicit ClientSocket(tcp::socket&& socket) : tcp::socket(std::move(socket)) {}

  // The reactor operation of one read. Completion calls on_done(context,
  // error, bytes) on the socket's I/O thread, or never if the io_context is
  // destroyed first (destroy_ then releases what context holds).
  class ReadOp : public asio::detail::reactor_op {
   public:
    using Done = void (*)(void* context, const asio::error_code& ec, size_t n);
    using Destroy = void (*)(void* context);
    ReadOp(Done on_done, Destroy on_destroy)
        : reactor_op(asio::error_code(), &Perform, &Complete),
          done_(on_done),
          destroy_(on_destroy) {}

   private:
    friend class ClientSocket;
    static status Perform(reactor_op* base) {
      auto* op = static_cast<ReadOp*>(base);
      for (;;) {
        ssize_t n = ::recv(op->fd_, op->data_, op->size_, 0);
        if (n >= 0) {
          op->bytes_transferred_ = static_cast<size_t>(n);
          if (n == 0) op->ec_ = asio::error::eof;
          return static_cast<size_t>(n) < op->size_ ? done_and_exhausted : done;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return not_done;
        op->ec_ = asio::error_code(errno, asio::error::get_system_category());
        return done;
      }
    }
    static void Complete(void* owner, asio::detail::operation* base,
                         const asio::error_code& /*result*/, size_t /*bytes*/) {
      auto* op = static_cast<ReadOp*>(base);
      void* context = op->context_;
      op->context_ = nullptr;
      // The callbacks may free the operation: nothing of it is read after.
      if (owner == nullptr) return op->destroy_(context);
      op->done_(context, op->ec_, op->bytes_transferred_);
    }

    Done done_;
    Destroy destroy_;
    int fd_ = -1;
    char* data_ = nullptr;
    size_t size_ = 0;
    void* context_ = nullptr;
  };

  // Reads into [data, data + size) (size > 0) through op, which must stay
  // alive until its callback ran. REQUIRES: the socket is open and in
  // non-blocking mode; op is not in flight.
  void ReadSome(ReadOp* op, char* data, size_t size, void* context) {
    op->ec_ = asio::error_code();
    op->bytes_transferred_ = 0;
    op->fd_ = native_handle();
    op->data_ = data;
    op->size_ = size;
    op->context_ = context;
    asio::detail::reactor& reactor = asio::use_service<asio::detail::reactor>(
        asio::query(get_executor(), asio::execution::context));
    reactor.start_op(asio::detail::reactor::read_op, op->fd_,
                     impl_.get_implementation().reactor_data_, op, /*is_continuation=*/false,
                     /*allow_speculative=*/true);
  }
};

// One client connection. Lives while a handler holds it (shared_from_this);
// every member is touched only on its worker's thread.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerState* state, Worker* worker, tcp::socket socket)
      : state_(state),
        worker_(worker),
        socket_(std::move(socket)),
        read_op_(&OnReadDone, &OnReadDestroyed),
        parser_(&limits_),
        writer_(&out_),
        chunk_(kReadChunk),
        block_timer_(socket_.get_executor()) {}

  ~Connection() {
    if (client_.blocked) state_->blocking()->Unblock(client_.id);
    if (registered_) {
      state_->Unregister(&client_);
      state_->stats()->connected_clients.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  void Start();
  void Close();
  // Sends the replies queued in out_ (unless a write is in flight), once the
  // WAL records they may depend on reached the OS.
  void Flush();
  uint64_t idle_ms(uint64_t now) const {
    if (client_.blocked) return 0;  // as Redis: a blocked client is not idle
    uint64_t last = client_.last_interaction_ms.load(std::memory_order_relaxed);
    return now > last ? now - last : 0;
  }

 private:
  void DoRead();
  // read_op_'s callbacks; context is the connection.
  static void OnReadDone(void* context, const asio::error_code& ec, size_t n);
  static void OnReadDestroyed(void* context);
  void OnRead(size_t n);
  // Parses and runs commands from `data`; returns the bytes consumed.
  size_t ProcessCommands(std::string_view data);
  void Resume();
  void RefreshLimits();
  // Blocking commands (blocking.h): parks the pipeline behind the command
  // that asked to block; a wake-up (or the deadline) re-runs it.
  void Park();
  void OnWake(uint64_t seq, bool timed_out, std::shared_ptr<ReplyHold> parent = nullptr);
  void EndBlock();
  // Reply holds (blocking.h): after a command whose push woke blocked
  // clients, its reply and the commands after it wait until they have run.
  void HoldIfPushed();
  void OnHoldReleased();
  size_t pending_output() const { return out_.size() + writing_.size(); }

  ServerState* const state_;
  Worker* const worker_;
  ClientSocket socket_;
  ClientSocket::ReadOp read_op_;           // DoRead's
  std::shared_ptr<Connection> read_self_;  // keeps us alive while read_op_ is in flight
  RespLimits limits_;
  RespParser parser_;
  ClientState client_;
  std::string in_;       // unparsed input (when a read leaves a partial command)
  std::string out_;      // replies not yet handed to a write
  std::string writing_;  // replies the write in flight sends
  ReplyWriter writer_;
  std::vector<char> chunk_;
  std::vector<std::string> argv_;
  bool reading_ = false;
  bool writing_in_flight_ = false;
  bool closing_ = false;  // no more commands: close once the replies are out
  bool closed_ = false;
  bool registered_ = false;
  std::vector<std::string> blocked_argv_;  // the parked command
  asio::steady_timer block_timer_;         // its deadline
  int held_ = 0;                           // reply holds not yet released
};

// One I/O thread's context and the connections it serves.
class Worker {
 public:
  explicit Worker(ServerState* state)
      : state_(state), work_(asio::make_work_guard(io_)), sweep_(io_) {}

  asio::io_context& io() { return io_; }
  // Sends c's replies after the handlers already queued on this thread ran:
  // the connections served by one wake-up then share one WAL flush (a
  // write(2)) instead of one each, as Redis's beforeSleep batches its work.
  void ScheduleFlush(std::shared_ptr<Connection> c) {
    pending_flush_.push_back(std::move(c));
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(io_, [this] { FlushPending(); });
  }
  void Add(const std::shared_ptr<Connection>& c, uint64_t id) { connections_[id] = c; }
  void Remove(uint64_t id) { connections_.erase(id); }

  void StartSweep() {
    sweep_.expires_after(std::chrono::seconds(1));
    sweep_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      Sweep();
      StartSweep();
    });
  }

  void CloseAll() {
    sweep_.cancel();
    auto copy = connections_;
    for (auto& [id, weak] : copy) {
      if (auto c = weak.lock()) c->Close();
    }
    pending_flush_.clear();
    work_.reset();
    // Replies still being written are dropped: their writes are in the WAL
    // already. Stopping also drops a connection accepted during shutdown.
    io_.stop();
  }

 private:
  // Closes the connections idle longer than the timeout.
  void Sweep() {
    int64_t timeout = state_->config()->timeout_seconds();
    if (timeout <= 0) return;
    uint64_t now = NowMs();
    auto copy = connections_;
    for (auto& [id, weak] : copy) {
      auto c = weak.lock();
      if (c && c->idle_ms(now) > static_cast<uint64_t>(timeout) * 1000) c->Close();
    }
  }

  void FlushPending();

  ServerState* const state_;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer sweep_;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
  // Connections whose replies wait for FlushPending (posted once).
  std::vector<std::shared_ptr<Connection>> pending_flush_;
  bool flush_posted_ = false;
};

void Worker::FlushPending() {
  flush_posted_ = false;
  std::vector<std::shared_ptr<Connection>> batch;
  batch.swap(pending_flush_);
  // One flush for all of them: each Connection::Flush then finds the buffer
  // empty (or flushes what another thread wrote since); a failure is seen
  // again, and handled, by each of them.
  (void)state_->FlushWal();
  for (const auto& c : batch) c->Flush();
}

void Connection::RefreshLimits() {
  Config* config = state_->config();
  limits_.max_bulk_len = config->proto_max_bulk_len();
}

void Connection::Start() {
  asio::error_code ec;
  tcp::endpoint remote = socket_.remote_endpoint(ec);
  tcp::endpoint local = socket_.local_endpoint(ec);
  socket_.set_option(tcp::no_delay(true), ec);
  // ClientSocket::ReadSome calls recv(2) itself: it must not block.
  if (socket_.non_blocking(true, ec); ec) {
    std::fprintf(stderr, "closing a new client: cannot make its socket non-blocking: %s\n",
                 ec.message().c_str());
    return Close();
  }
  client_.id = state_->NextClientId();
  client_.addr = Endpoint(remote);
  client_.laddr = Endpoint(local);
  client_.loopback = IsLoopback(remote.address());
  client_.created_ms = NowMs();
  client_.last_interaction_ms.store(client_.created_ms, std::memory_order_relaxed);
  Config* config = state_->config();
  client_.authenticated = !config->has_password();
  client_.wake = [weak = weak_from_this(), io = &worker_->io()](uint64_t seq,
                                                                std::shared_ptr<ReplyHold> hold) {
    asio::post(*io, [weak, seq, hold = std::move(hold)]() mutable {
      if (auto c = weak.lock()) c->OnWake(seq, false, std::move(hold));
    });
  };
  // A live connection's io_context is alive: checked first because a hold
  // may be dropped while the server's workers are being destroyed.
  client_.hold_release = [weak = weak_from_this(), io = &worker_->io()] {
    if (weak.expired()) return;
    asio::post(*io, [weak] {
      if (auto c = weak.lock()) c->OnHoldReleased();
    });
  };
  ServerStats* stats = state_->stats();
  stats->connections_received.fetch_add(1, std::memory_order_relaxed);

  if (config->protected_mode() && !config->has_password() && !client_.loopback) {
    out_.append(kDenied);
    stats->rejected_connections.fetch_add(1, std::memory_order_relaxed);
    closing_ = true;
    Flush();
    return;
  }
  int64_t connected = stats->connected_clients.fetch_add(1, std::memory_order_relaxed) + 1;
  registered_ = true;
  state_->Register(&client_);
  worker_->Add(shared_from_this(), client_.id);
  if (connected > config->maxclients()) {
    out_.append("-ERR max number of clients reached\r\n");
    stats->rejected_connections.fetch_add(1, std::memory_order_relaxed);
    closing_ = true;
    Flush();
    return;
  }
  DoRead();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  closing_ = true;
  EndBlock();
  asio::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  worker_->Remove(client_.id);
}

void Connection::DoRead() {
  if (reading_ || closing_ || closed_) return;
  reading_ = true;
  // The read holds a reference to us until its callback, as a handler would.
  read_self_ = shared_from_this();
  socket_.ReadSome(&read_op_, chunk_.data(), chunk_.size(), this);
}

void Connection::OnReadDone(void* context, const asio::error_code& ec, size_t n) {
  std::shared_ptr<Connection> self = std::move(static_cast<Connection*>(context)->read_self_);
  self->reading_ = false;
  if (ec) return self->Close();
  self->OnRead(n);
}

void Connection::OnReadDestroyed(void* context) {
  // May free the connection, and read_op_ with it.
  std::shared_ptr<Connection> self = std::move(static_cast<Connection*>(context)->read_self_);
}

void Connection::OnRead(size_t n) {
  state_->stats()->net_input_bytes.fetch_add(n, std::memory_order_relaxed);
  client_.last_interaction_ms.store(NowMs(), std::memory_order_relaxed);
  if (in_.empty()) {
    // The common case: parse straight from the read buffer and keep only an
    // unfinished command's bytes.
    std::string_view data(chunk_.data(), n);
    size_t used = ProcessCommands(data);
    if (!closing_) in_.assign(data.substr(used));
  } else {
    in_.append(chunk_.data(), n);
    size_t used = ProcessCommands(in_);
    in_.erase(0, used);
  }
  if (!closing_ &&
      static_cast<int64_t>(in_.size()) > state_->config()->client_query_buffer_limit()) {
    std::fprintf(stderr, "closing client %s: query buffer over client-query-buffer-limit\n",
                 client_.addr.c_str());
    return Close();
  }
  worker_->ScheduleFlush(shared_from_this());
  if (pending_output() <= NetworkServer::kMaxPendingOutput) DoRead();
}

size_t Connection::ProcessCommands(std::string_view data) {
  RefreshLimits();
  size_t used = 0;
  while (!closing_ && !client_.blocked && held_ == 0 &&
         pending_output() <= NetworkServer::kMaxPendingOutput) {
    size_t consumed = 0;
    bool auth_required = !client_.authenticated && state_->config()->has_password();
    RespParser::Result r = parser_.Parse(data.substr(used), auth_required, &consumed, &argv_);
    used += consumed;
    if (r == RespParser::Result::kIncomplete) break;
    if (r == RespParser::Result::kError) {
      writer_.Error("ERR " + parser_.error());
      closing_ = true;
      break;
    }
    if (argv_.empty()) continue;
    if (EqualsIgnoreCase(argv_[0], "post") || EqualsIgnoreCase(argv_[0], "host:")) {
      std::fprintf(stderr,
                   "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or "
                   "Host: commands to Redis. Connection from %s aborted.\n",
                   client_.addr.c_str());
      out_.clear();
      Close();
      break;
    }
    writer_.set_protocol(client_.resp);
    Execute(state_, &client_, argv_, &writer_);
    if (client_.block_requested) Park();
    HoldIfPushed();
    if (client_.close_after_reply) closing_ = true;
  }
  return used;
}

void Connection::Flush() {
  if (closed_ || writing_in_flight_ || held_ > 0) return;
  if (out_.empty()) {
    if (closing_) Close();
    return;
  }
  // A reply may acknowledge a write, or show data another client's write
  // just made, whose WAL record is still in the engine's buffer
  // (ServerState::Write): it reaches the OS first. If it cannot, no reply
  // goes: closing tells the client its requests are not acknowledged.
  if (Status s = state_->FlushWal(); !s.ok()) {
    std::fprintf(stderr, "closing client %s: WAL write failed: %s\n", client_.addr.c_str(),
                 s.ToString().c_str());
    out_.clear();
    return Close();
  }
  writing_.swap(out_);
  writing_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const asio::error_code& ec, size_t n) {
                      self->writing_in_flight_ = false;
                      self->state_->stats()->net_output_bytes.fetch_add(n,
                                                                        std::memory_order_relaxed);
                      self->writing_.clear();
                      if (ec) return self->Close();
                      self->Resume();
                    });
}

// After a write: run the commands paused behind the output limit, send what
// they produced, and read again.
void Connection::Resume() {
  if (!closing_ && !in_.empty() && pending_output() <= NetworkServer::kMaxPendingOutput) {
    size_t used = ProcessCommands(in_);
    in_.erase(0, used);
  }
  Flush();
  if (!closed_ && pending_output() <= NetworkServer::kMaxPendingOutput) DoRead();
}

void Connection::Park() {
  client_.block_requested = false;
  client_.blocked = true;
  blocked_argv_ = argv_;
  if (client_.block_deadline_ms == 0) return;
  uint64_t now = NowMs();
  uint64_t wait = client_.block_deadline_ms > now ? client_.block_deadline_ms - now : 0;
  block_timer_.expires_after(std::chrono::milliseconds(wait));
  block_timer_.async_wait(
      [self = shared_from_this(), seq = client_.block_seq](const asio::error_code& ec) {
        if (!ec) self->OnWake(seq, true);
      });
}

// Re-runs the parked command; unless it blocks again, resumes the pipeline.
void Connection::OnWake(uint64_t seq, bool timed_out, std::shared_ptr<ReplyHold> parent) {
  if (closed_ || !client_.blocked || client_.block_seq != seq) return;
  client_.block_timed_out = timed_out;
  client_.parent_hold = std::move(parent);
  writer_.set_protocol(client_.resp);
  Execute(state_, &client_, blocked_argv_, &writer_);
  client_.block_timed_out = false;
  client_.parent_hold = nullptr;
  HoldIfPushed();
  if (client_.block_requested) {
    client_.block_requested = false;
    return;
  }
  EndBlock();
  Resume();
}

// Leaves the blocked state: out of the registry's queues (handing a pending
// wake-up to the next waiter), timer cancelled.
void Connection::HoldIfPushed() {
  if (client_.hold == nullptr) return;
  // Drop our reference: the woken clients' wake-ups hold the rest, and the
  // last one released posts OnHoldReleased.
  held_++;
  client_.hold = nullptr;
}

void Connection::OnHoldReleased() {
  held_--;
  if (held_ == 0 && !closed_) Resume();
}

void Connection::EndBlock() {
  if (!client_.blocked) return;
  client_.blocked = false;
  blocked_argv_.clear();
  block_timer_.cancel();
  state_->blocking()->Unblock(client_.id);
}

}  // namespace

struct NetworkServer::Impl {
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::atomic<size_t> next_worker{0};  // relaxed: round-robin only
  // Set by Stop before it closes anything, so no new connection starts
  // (release/acquire: the accept handler runs on an I/O thread).
  std::atomic<bool> stopping{false};
  ServerState* state = nullptr;

  void Accept(tcp::acceptor* acceptor) {
    size_t index = next_worker.fetch_add(1, std::memory_order_relaxed) % workers.size();
    Worker* worker = workers[index].get();
    acceptor->async_accept(
        worker->io(), [this, acceptor, worker](const asio::error_code& ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted) return;
          if (!ec) {
            // Hand the socket to its worker's thread.
            auto c = std::make_shared<Connection>(state, worker, std::move(socket));
            asio::post(worker->io(), [c] { c->Start(); });
          }
          Accept(acceptor);
        });
  }
};

NetworkServer::NetworkServer(ServerState* state) : impl_(new Impl), state_(state) {
  impl_->state = state;
  int threads = std::max(1, state->config()->threads());
  for (int i = 0; i < threads; i++) impl_->workers.push_back(std::make_unique<Worker>(state));
}

NetworkServer::~NetworkServer() { Stop(); }

Status NetworkServer::Listen() {
  Config* config = state_->config();
  asio::io_context& io = impl_->workers[0]->io();
  for (std::string bind : config->binds()) {
    bool optional = !bind.empty() && bind[0] == '-';
    if (optional) bind.erase(0, 1);
    if (bind == "*") bind = "0.0.0.0";
    asio::error_code ec;
    asio::ip::address address = asio::ip::make_address(bind, ec);
    if (ec) return Status::InvalidArgument("bad bind address", bind);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(config->port()));
    auto acceptor = std::make_unique<tcp::acceptor>(io);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(511, ec);
    if (ec) {
      if (optional) continue;
      return Status::IOError("cannot listen on " + Endpoint(endpoint), ec.message());
    }
    listening_.push_back(Endpoint(acceptor->local_endpoint(ec)));
    impl_->acceptors.push_back(std::move(acceptor));
  }
  if (impl_->acceptors.empty()) return Status::InvalidArgument("no address to listen on");
  return Status::OK();
}

void NetworkServer::Start() {
  for (auto& acceptor : impl_->acceptors) impl_->Accept(acceptor.get());
  for (auto& worker : impl_->workers) {
    worker->StartSweep();
    threads_.emplace_back([w = worker.get()] { w->io().run(); });
  }
}

void NetworkServer::Stop() {
  if (impl_ == nullptr) return;
  impl_->stopping.store(true, std::memory_order_release);
  // Close the listeners on their thread, then every connection on its own.
  asio::post(impl_->workers[0]->io(), [this] {
    asio::error_code ec;
    for (auto& acceptor : impl_->acceptors) acceptor->close(ec);
  });
  for (auto& worker : impl_->workers) {
    asio::post(worker->io(), [w = worker.get()] { w->CloseAll(); });
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  impl_->acceptors.clear();
  impl_->workers.clear();
  impl_.reset();
}

}  // namespace strata::server
