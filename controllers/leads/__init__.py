"""线索: relocations, relapses and 类散乱污 found in the register and the power lists."""
