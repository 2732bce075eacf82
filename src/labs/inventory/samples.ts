// Where the course's six sample files are: shipped with poc, not compiled, in the sources
// (package.json "files"). upload sends them; explain names one by its path, which works from any folder.
import { join } from 'node:path';
import { pocRoot } from '../../resources/function-package.js';

export function samplesDir(): string {
  return join(pocRoot(import.meta.url), 'src', 'labs', 'inventory', 'samples');
}
