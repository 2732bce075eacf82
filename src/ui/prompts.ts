// The questions poc asks, only ever when a person is at the terminal (the CLI decides).
// Streams can be given so tests drive the real prompts with keystrokes.
import { PassThrough, type Readable, type Writable } from 'node:stream';

export interface PromptStreams {
  input?: Readable;
  output?: Writable;
}

export type StepAnswer = 'continue' | 'skip' | 'quit';

export function prompts(streams: PromptStreams = {}) {
  // @inquirer ends the output stream it is given once a question is answered, so each
  // question writes through its own pass-through that leaves the real output open.
  const output = () => {
    if (!streams.output) return undefined;
    const through = new PassThrough();
    through.pipe(streams.output, { end: false });
    return through;
  };
  const contextOf = () => (streams.input || streams.output ? { input: streams.input, output: output(), clearPromptOnDone: false } : undefined);
  return {
    /** The question is the lab's (what the address receives). */
    /** `validate` answers true, or why the answer is not an address (asked again, with that reason). */
    async askEmail(message: string, validate?: (answer: string) => true | string): Promise<string> {
      const { input } = await import('@inquirer/prompts');
      return input({ message, required: true, ...(validate ? { validate } : {}) }, contextOf());
    },
    async confirm(message: string): Promise<boolean> {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message, default: false }, contextOf());
    },
    async askStep(task: { number: number; title: string }): Promise<StepAnswer> {
      const { select } = await import('@inquirer/prompts');
      return select<StepAnswer>(
        {
          message: `Task ${task.number} (${task.title}):`,
          choices: [
            { name: 'continue: build it now', value: 'continue' },
            { name: 'skip: I will do this one by hand', value: 'skip' },
            { name: 'quit: stop here', value: 'quit' },
          ],
        },
        contextOf(),
      );
    },
  };
}
