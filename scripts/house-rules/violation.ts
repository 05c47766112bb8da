/** One broken rule: which, where, and the import (or read) that breaks it. */
export interface Violation {
  rule: string;
  /** The file (or, for a folder cycle, the folders) that breaks the rule. */
  file: string;
  /** What it imports or reads. */
  detail: string;
  /** For a folder cycle: every file-level import that draws one of its arrows. */
  imports?: string[];
}
