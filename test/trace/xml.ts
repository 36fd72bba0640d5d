/**
 * A small XML well-formedness check (no dependency): elements nest and close, attributes are
 * quoted and unique, entities are the five predefined ones or character references, one root.
 * Returns the root element's name; throws on the first fault.
 */
export function checkXml(doc: string): string {
  let i = 0;
  const stack: string[] = [];
  let root: string | undefined;
  let rootClosed = false;
  const name = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
  const fail = (msg: string): never => {
    throw new Error(`XML: ${msg} at offset ${i}: ${JSON.stringify(doc.slice(i, i + 40))}`);
  };
  const text = (s: string): void => {
    if (s.includes('<')) fail('bare <');
    for (const m of s.matchAll(/&([^;]*);?/g)) {
      if (!m[0].endsWith(';') || !/^(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+)$/.test(m[1])) fail(`bad entity ${m[0]}`);
    }
  };
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const chunk = lt < 0 ? doc.slice(i) : doc.slice(i, lt);
    if (stack.length === 0 && chunk.trim() !== '') fail('text outside the root');
    text(chunk);
    if (lt < 0) break;
    i = lt;
    if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
      continue;
    }
    if (doc.startsWith('</', i)) {
      const n = name.exec(doc.slice(i + 2))?.[0] ?? fail('bad end tag');
      if (stack.pop() !== n) fail(`</${n}> does not close the open element`);
      i += 2 + n.length;
      while (/\s/.test(doc[i])) i++;
      if (doc[i] !== '>') fail('bad end tag');
      i++;
      if (stack.length === 0) rootClosed = true;
      continue;
    }
    const n = name.exec(doc.slice(i + 1))?.[0] ?? fail('bad start tag');
    if (stack.length === 0 && (root !== undefined || rootClosed)) fail('a second root element');
    root ??= n;
    i += 1 + n.length;
    const seen = new Set<string>();
    for (;;) {
      while (/\s/.test(doc[i])) i++;
      if (doc.startsWith('/>', i)) {
        i += 2;
        if (stack.length === 0) rootClosed = true;
        break;
      }
      if (doc[i] === '>') {
        i++;
        stack.push(n);
        break;
      }
      const a = name.exec(doc.slice(i))?.[0] ?? fail('bad attribute');
      if (seen.has(a)) fail(`duplicate attribute ${a}`);
      seen.add(a);
      i += a.length;
      if (doc[i] !== '=') fail('attribute without =');
      const q = doc[i + 1];
      if (q !== '"' && q !== "'") fail('unquoted attribute');
      const end = doc.indexOf(q, i + 2);
      if (end < 0) fail('unterminated attribute');
      text(doc.slice(i + 2, end));
      i = end + 1;
    }
  }
  if (stack.length) fail(`unclosed <${stack.at(-1)}>`);
  if (root === undefined) fail('no root element');
  return root!;
}
