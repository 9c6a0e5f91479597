// One real Chromium and one small site on loopback, shared by the tests of a file (the page
// readers' self-tests: detail layouts, error messages).
import { createServer, type RequestListener, type Server } from 'node:http';
import { chromium, type Browser, type Page } from '@playwright/test';
import { chooseChromium } from '../../config/browser.ts';

export interface LoopbackBrowser {
  page: Page;
  /** `http://127.0.0.1:<port>` of the site. */
  base: string;
  close: () => Promise<void>;
}

/** Serves `site` on a free loopback port and opens one page in Chromium (CHROMIUM_PATH honoured). */
export async function loopbackBrowser(site: RequestListener): Promise<LoopbackBrowser> {
  const server: Server = createServer(site);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: chooseChromium(process.env.CHROMIUM_PATH).executablePath,
    });
    const page = await browser.newPage();
    const opened = browser;
    return {
      page,
      base,
      close: async () => {
        await opened.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (err) {
    await browser?.close();
    server.close();
    throw err;
  }
}
