// ConsumerGroupDescribe (key 69), v0-1, flexible (KIP-848).
//
// ConsumerGroupDescribeRequest v0-1 (v1 is the same as v0)
//   group_ids                      [string]
//   include_authorized_operations  bool
//
// ConsumerGroupDescribeResponse v0-1
//   throttle_time_ms  int32
//   groups  [ error_code        int16
//             error_message     nullable_string (default null)
//             group_id          string
//             group_state       string
//             group_epoch       int32
//             assignment_epoch  int32
//             assignor_name     string
//             members  [ member_id               string
//                        instance_id             nullable_string
//                        rack_id                 nullable_string
//                        member_epoch            int32
//                        client_id               string
//                        client_host             string
//                        subscribed_topic_names  [string]
//                        subscribed_topic_regex  nullable_string
//                        assignment              Assignment
//                        target_assignment       Assignment
//                        member_type             int8 v1+ (default -1: unknown; 0 classic, 1 consumer) ]
//             authorized_operations  int32 (default INT32_MIN) ]
//   Assignment = { topic_partitions [ topic_id uuid, topic_name string, partitions [int32] ] }
//
// Version notes: v1 (Kafka 4.1, KIP-1099) adds member_type, a plain (untagged) field after
// target_assignment. Cross-checked in the 4.1 branch JSON of Aiven's inkless fork (rlaidet/inkless,
// 4.1.0-SNAPSHOT: "Version 1 adds MemberType field (KIP-1099)", "versions": "1+", "default": "-1") and
// tychedelia/kafka-protocol-rs's code generated from the 4.1.0 tag (member_type, v1, last in Member).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 69, name: "ConsumerGroupDescribe", min: 0, max: 1, flexibleFrom: 0 };

export interface ConsumerGroupDescribeRequest {
  groupIds: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribedTopicPartitions {
  topicId: Uint8Array;
  topicName: string;
  partitions: number[];
}

export interface ConsumerGroupDescribeMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: { topicPartitions: DescribedTopicPartitions[] };
  targetAssignment: { topicPartitions: DescribedTopicPartitions[] };
  /** v1+, default -1 (unknown); 0 a classic-protocol member, 1 a consumer-protocol member. */
  memberType?: number;
}

export interface ConsumerGroupDescribeGroup {
  errorCode: number;
  errorMessage?: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: ConsumerGroupDescribeMember[];
  authorizedOperations?: number;
}

export interface ConsumerGroupDescribeResponse {
  throttleTimeMs?: number;
  groups: ConsumerGroupDescribeGroup[];
}

const assignment = struct([
  f(
    "topicPartitions",
    arr(struct([f("topicId", "uuid", "0+"), f("topicName", "string", "0+"), f("partitions", arr("int32"), "0+")])),
    "0+",
  ),
]);

const request = [f("groupIds", arr("string"), "0+"), f("includeAuthorizedOperations", "bool", "0+")];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f(
    "groups",
    arr(struct([
      f("errorCode", "int16", "0+"),
      f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      f("groupId", "string", "0+"),
      f("groupState", "string", "0+"),
      f("groupEpoch", "int32", "0+"),
      f("assignmentEpoch", "int32", "0+"),
      f("assignorName", "string", "0+"),
      f(
        "members",
        arr(struct([
          f("memberId", "string", "0+"),
          f("instanceId", "string", "0+", { nullable: "0+", default: null }),
          f("rackId", "string", "0+", { nullable: "0+", default: null }),
          f("memberEpoch", "int32", "0+"),
          f("clientId", "string", "0+"),
          f("clientHost", "string", "0+"),
          f("subscribedTopicNames", arr("string"), "0+"),
          f("subscribedTopicRegex", "string", "0+", { nullable: "0+", default: null }),
          f("assignment", assignment, "0+"),
          f("targetAssignment", assignment, "0+"),
          f("memberType", "int8", "1+", { default: -1 }),
        ])),
        "0+",
      ),
      f("authorizedOperations", "int32", "0+", { default: -2147483648 }),
    ])),
    "0+",
  ),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(
  versions,
  request,
  response,
);
