/** The subset of Block Kit the bot builds; kept local so builders stay pure and easy to assert on. */
export type TextObject = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type PlainText = { type: 'plain_text'; text: string; emoji?: boolean };
export type Confirm = { title: TextObject; text: TextObject; confirm: TextObject; deny: TextObject };
export type Button = {
  type: 'button';
  text: TextObject;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: Confirm;
};
/** One choice of a select or overflow menu: text up to 75 characters, value up to 150. */
export type SelectOption = { text: PlainText; value: string };
export type StaticSelect = {
  type: 'static_select';
  action_id: string;
  placeholder: PlainText;
  options: SelectOption[];
  initial_option?: SelectOption;
  confirm?: Confirm;
};
export type UsersSelect = { type: 'users_select'; action_id: string; placeholder: PlainText; initial_user?: string };
export type Overflow = { type: 'overflow'; action_id: string; options: SelectOption[] };
/** What an `actions` block may hold (up to 25 elements). */
export type ActionElement = Button | StaticSelect | UsersSelect | Overflow;
export type Block =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[]; block_id?: string }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' }
  | { type: 'actions'; block_id?: string; elements: ActionElement[] };

/** A message ready for chat.postMessage / chat.update: fallback text plus blocks. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export type PlainTextInput = {
  type: 'plain_text_input';
  action_id: string;
  multiline?: boolean;
  min_length?: number;
  max_length?: number;
  placeholder?: PlainText;
};
/** An input block: only in modals, where `view_submission` reports its value under `block_id` → `action_id`. */
export type InputBlock = {
  type: 'input';
  block_id: string;
  label: PlainText;
  element: PlainTextInput | StaticSelect;
  hint?: PlainText;
};

/** A modal for views.open: title, submit and close up to 24 characters; private_metadata up to 3,000. */
export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit?: PlainText;
  close?: PlainText;
  private_metadata: string;
  blocks: Array<Block | InputBlock>;
}
