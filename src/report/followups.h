// Private: follow-up questions (followups.cc).
#pragma once

#include <algorithm>

#include "reports.h"

namespace dokuei::report::internal {

class SqlFollowUps final : public FollowUps {
 public:
  SqlFollowUps(Context& ctx, SqlReports& reports) : ctx_(ctx), reports_(reports) {}
  base::Result<Question> Ask(const Actor& actor, int64_t report_id, std::string text) override;
  base::Result<Message> Post(const Actor& actor, int64_t question_id, std::string text,
                             int64_t addendum_version_id) override;
  base::Result<std::vector<Question>> Thread(const Actor& actor, int64_t report_id) override;
  base::Result<std::vector<Question>> Inbox(const Actor& actor) override;

 private:
  base::Result<std::vector<Question>> LoadQuestions(const std::string& where, int64_t id);
  Context& ctx_;
  SqlReports& reports_;
};

}  // namespace dokuei::report::internal
