/** jest setupFiles of the integration tests: each test file starts with the run's data keys. */
import { installTestKeys } from './dataKeys';

installTestKeys();
