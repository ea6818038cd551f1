// The shard of a Slurm array task from its environment: arrays from 0 or 1, steps, the
// count-only fallback, and clear errors for arrays that are not one range.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <string>

#include "qrsweep/common.h"
#include "qrsweep/slurm.h"

namespace qrsweep {
namespace {

using Env = std::map<std::string, std::string>;

std::optional<Shard> shard_of(const Env& env) {
  return shard_from_array_env([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

// What Slurm sets for task `id` of --array=min-max:step.
Env array_task(int id, int min, int max, int step = 1) {
  return {{"SLURM_ARRAY_TASK_ID", std::to_string(id)},
          {"SLURM_ARRAY_TASK_MIN", std::to_string(min)},
          {"SLURM_ARRAY_TASK_MAX", std::to_string(max)},
          {"SLURM_ARRAY_TASK_STEP", std::to_string(step)},
          {"SLURM_ARRAY_TASK_COUNT", std::to_string((max - min) / step + 1)}};
}

void expect_shard(const Env& env, int index, int count) {
  const auto s = shard_of(env);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->index, index);
  EXPECT_EQ(s->count, count);
}

std::string error_of(const Env& env) {
  try {
    shard_of(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SlurmEnv, OutsideAnArrayThereIsNoShard) {
  EXPECT_FALSE(shard_of({}).has_value());
  EXPECT_FALSE(shard_of({{"SLURM_JOB_ID", "12"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}).has_value());
}

TEST(SlurmEnv, EveryTaskOfAZeroBasedArrayRunsItsOwnShard) {
  for (int id = 0; id < 4; ++id) expect_shard(array_task(id, 0, 3), id, 4);
}

TEST(SlurmEnv, OneBasedAndSteppedArraysCountFromTheirFirstTask) {
  expect_shard(array_task(1, 1, 4), 0, 4);
  expect_shard(array_task(4, 1, 4), 3, 4);
  expect_shard(array_task(6, 0, 6, 2), 3, 4);
  expect_shard(array_task(7, 7, 7), 0, 1);
}

TEST(SlurmEnv, WithoutMinAndMaxTheCountDecides) {
  expect_shard({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "3"}}, 2, 3);
  EXPECT_NE(error_of({{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "3"}})
                .find("SLURM_ARRAY_TASK_COUNT=3"),
            std::string::npos);
  EXPECT_NE(error_of({{"SLURM_ARRAY_TASK_ID", "3"}}).find("neither"), std::string::npos);
}

TEST(SlurmEnv, AListedArrayIsNotShardsAndSaysWhy) {
  // --array=1,5,9: three tasks between 1 and 9.
  Env env = {{"SLURM_ARRAY_TASK_ID", "5"},
             {"SLURM_ARRAY_TASK_MIN", "1"},
             {"SLURM_ARRAY_TASK_MAX", "9"},
             {"SLURM_ARRAY_TASK_COUNT", "3"}};
  const std::string e = error_of(env);
  EXPECT_NE(e.find("not one range"), std::string::npos) << e;
  EXPECT_NE(e.find("--shard i/n"), std::string::npos) << e;
}

TEST(SlurmEnv, MalformedValuesNameTheVariable) {
  EXPECT_NE(error_of({{"SLURM_ARRAY_TASK_ID", "x1"}}).find("SLURM_ARRAY_TASK_ID='x1'"),
            std::string::npos);
  Env env = array_task(2, 0, 3);
  env["SLURM_ARRAY_TASK_MAX"] = "-3";
  EXPECT_NE(error_of(env).find("SLURM_ARRAY_TASK_MAX='-3'"), std::string::npos);
  EXPECT_NE(error_of(array_task(9, 0, 3)).find("outside"), std::string::npos);
  Env off_step = array_task(3, 0, 6, 2);
  EXPECT_NE(error_of(off_step).find("not on the array's range 0-6:2"), std::string::npos);
}

TEST(SlurmEnv, ReadsThisProcessEnvironment) {
  const char* names[] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                         "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT"};
  for (const char* n : names) unsetenv(n);
  EXPECT_FALSE(shard_from_slurm_env().has_value());
  setenv("SLURM_ARRAY_TASK_ID", "3", 1);
  setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
  setenv("SLURM_ARRAY_TASK_MAX", "5", 1);
  const auto s = shard_from_slurm_env();
  for (const char* n : names) unsetenv(n);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->index, 2);
  EXPECT_EQ(s->count, 5);
}

}  // namespace
}  // namespace qrsweep
