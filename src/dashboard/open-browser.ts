// Opens the dashboard in the user's browser. A missing or failing browser is no error: the
// URL is printed anyway, and a remote shell (ssh) often has no browser to open.
export async function openBrowser(url: string, onFailure: (text: string) => void): Promise<void> {
  try {
    const { default: open } = await import('open');
    const child = await open(url);
    child.once('error', () => onFailure(`Could not open a browser; open ${url} yourself.`));
  } catch {
    onFailure(`Could not open a browser; open ${url} yourself.`);
  }
}
