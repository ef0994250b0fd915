"""GraphQL operations of the icomm tests."""

from __future__ import annotations

THREAD_FIELDS = """
  id kind subject unread unreadCount archived peer createdBy
  lastMessage { id author body }
  messages { id author body recipients delivery deliveryError references { id } }
"""
SEND = f"""mutation($input: SendMessageInput!) {{
  sendMessage(input: $input) {{ {THREAD_FIELDS} }} }}"""
REPLY = f"""mutation($id: ID!, $body: String!) {{
  replyToThread(id: $id, body: $body) {{ {THREAD_FIELDS} }} }}"""
INBOX = """query($filter: InboxFilter, $first: Int, $after: String) {
  inbox(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id subject unread unreadCount archived peer
      lastMessage { author body } } } } }"""
THREAD = f"query($id: ID!) {{ thread(id: $id) {{ {THREAD_FIELDS} }} }}"
MARK_READ = "mutation($id: ID!) { markThreadRead(id: $id) { id unread unreadCount } }"
ARCHIVE = """mutation($id: ID!, $archived: Boolean!) {
  archiveThread(id: $id, archived: $archived) { id archived } }"""
UNREAD = "query { unreadCount }"

TASK_FIELDS = """
  id title instructions status priority dueDate overdue assignee createdBy version recordId
  record { id } threadId
  history { action actor fromStatus toStatus note }
  comments { author body }
"""
ASSIGN = (
    f"""mutation($input: AssignTaskInput!) {{ assignTask(input: $input) {{ {TASK_FIELDS} }} }}"""
)
STATUS = f"""mutation($id: ID!, $status: String!, $comment: String, $version: Int) {{
  updateTaskStatus(id: $id, status: $status, comment: $comment, version: $version) {{
    {TASK_FIELDS} }} }}"""
COMMENT = f"""mutation($id: ID!, $body: String!) {{ commentTask(id: $id, body: $body) {{
  {TASK_FIELDS} }} }}"""
MY_TASKS = f"""query($status: String, $first: Int, $after: String) {{
  myTasks(status: $status, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {TASK_FIELDS} }} }} }} }}"""
TASKS = f"""query($filter: TaskFilterInput) {{
  tasks(filter: $filter) {{ totalCount edges {{ node {{ {TASK_FIELDS} }} }} }} }}"""
TASK = f"query($id: ID!) {{ task(id: $id) {{ {TASK_FIELDS} }} }}"


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def fields(body: dict) -> list[str | None]:
    return [e["extensions"].get("field") for e in body.get("errors", [])]
