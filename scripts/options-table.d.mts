// Types for options-table.mjs (test/docs.test.ts imports it).
export interface OptionDoc {
  name: string;
  default: string | undefined;
  text: string;
  fullOnly: boolean;
  required: boolean;
}
export function options(): OptionDoc[];
export function table(): string;
export function readmeWithTable(readme: string): string;
