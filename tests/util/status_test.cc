// Status: codes, messages, copies and moves (include/strata/status.h).

#include "strata/status.h"

#include <gtest/gtest.h>

#include <utility>

namespace strata {
namespace {

TEST(StatusTest, OkHasNoCodeOrMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kOk);
  EXPECT_TRUE(s.message().empty());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, AFailureWithoutAMessageKeepsItsCode) {
  Status s = Status::NotFound();
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_FALSE(s.IsCorruption());
  EXPECT_TRUE(s.message().empty());
  EXPECT_EQ(s.ToString(), "NotFound: ");

  Status copy = s;
  EXPECT_TRUE(copy.IsNotFound());
  EXPECT_TRUE(s.IsNotFound());
}

TEST(StatusTest, MessagesJoinWithAColon) {
  Status s = Status::Corruption("bad block", "000012.sst");
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(), "bad block: 000012.sst");
  EXPECT_EQ(s.ToString(), "Corruption: bad block: 000012.sst");
  EXPECT_EQ(Status::IOError("", "x").message(), ": x");
  EXPECT_TRUE(Status::NoSpace("full").IsIOError());
  EXPECT_TRUE(Status::NoSpace("full").IsNoSpace());
}

TEST(StatusTest, CopiesAreIndependent) {
  Status a = Status::IOError("disk", "gone");
  Status b = a;
  EXPECT_EQ(b.message(), "disk: gone");
  b = Status::InvalidArgument("other");
  EXPECT_EQ(a.message(), "disk: gone");
  EXPECT_TRUE(a.IsIOError());
  EXPECT_TRUE(b.IsInvalidArgument());
  b = a;
  EXPECT_EQ(b.ToString(), "IO error: disk: gone");
  b = Status::OK();
  EXPECT_TRUE(b.ok());
  EXPECT_TRUE(b.message().empty());
  EXPECT_TRUE(a.IsIOError());
}

TEST(StatusTest, AMovedFromStatusIsOk) {
  Status a = Status::Busy("locked");
  Status b = std::move(a);
  EXPECT_TRUE(b.IsBusy());
  EXPECT_EQ(b.message(), "locked");
  EXPECT_TRUE(a.ok());  // NOLINT(bugprone-use-after-move): the documented state
  EXPECT_TRUE(a.message().empty());

  Status c = Status::NotFound();
  c = std::move(b);
  EXPECT_TRUE(c.IsBusy());
  EXPECT_TRUE(b.ok());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace strata
