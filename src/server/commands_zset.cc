// Sorted-set commands (issue 13): being written on its own branch; the table
// entry point exists so the branches merge without touching commands.cc.

#include "server/commands.h"

namespace strata::server {

void AppendZSetCommands(std::vector<CommandSpec>* /*table*/) {}

}  // namespace strata::server
